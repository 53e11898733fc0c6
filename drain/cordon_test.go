package drain_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

func TestCordonAndUncordon(t *testing.T) {
	maintenance := corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectNoSchedule}
	other := corev1.Taint{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	node := func(unschedulable bool, taints ...corev1.Taint) *corev1.Node {
		n := testutil.DrainNode("node-a")
		n.Spec.Unschedulable = unschedulable
		n.Spec.Taints = taints
		return n
	}
	tests := []struct {
		name              string
		node              *corev1.Node
		cordon            bool
		taint             *corev1.Taint
		wantChanged       bool
		wantUnschedulable bool
		wantTaints        []corev1.Taint
	}{
		{name: "cordon a schedulable node", node: node(false), cordon: true, wantChanged: true, wantUnschedulable: true},
		{name: "cordon is idempotent", node: node(true), cordon: true, wantChanged: false, wantUnschedulable: true},
		{name: "cordon adds the taint, keeping others", node: node(false, other), cordon: true, taint: &maintenance,
			wantChanged: true, wantUnschedulable: true, wantTaints: []corev1.Taint{other, maintenance}},
		{name: "cordon adds a missing taint to a cordoned node", node: node(true), cordon: true, taint: &maintenance,
			wantChanged: true, wantUnschedulable: true, wantTaints: []corev1.Taint{maintenance}},
		{name: "cordon with taint is idempotent", node: node(true, maintenance), cordon: true, taint: &maintenance,
			wantChanged: false, wantUnschedulable: true, wantTaints: []corev1.Taint{maintenance}},
		{name: "uncordon", node: node(true), wantChanged: true},
		{name: "uncordon is idempotent", node: node(false), wantChanged: false},
		{name: "uncordon removes only its taint", node: node(true, other, maintenance), taint: &maintenance,
			wantChanged: true, wantTaints: []corev1.Taint{other}},
		{name: "uncordon removes the last taint", node: node(true, maintenance), taint: &maintenance, wantChanged: true},
		{name: "uncordon leaves a taint with another effect", node: node(true, corev1.Taint{Key: maintenance.Key, Effect: corev1.TaintEffectNoExecute}),
			taint: &maintenance, wantChanged: true, wantTaints: []corev1.Taint{{Key: maintenance.Key, Effect: corev1.TaintEffectNoExecute}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := fakecluster.New(tc.node)
			require.NoError(t, err)
			defer c.Close()
			op := drain.Uncordon
			if tc.cordon {
				op = drain.Cordon
			}
			changed, err := op(t.Context(), c, "node-a", drain.CordonOptions{Taint: tc.taint})
			require.NoError(t, err)
			assert.Equal(t, tc.wantChanged, changed)
			got, err := c.CoreV1().Nodes().Get(t.Context(), "node-a", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.wantUnschedulable, got.Spec.Unschedulable)
			assert.Equal(t, tc.wantTaints, got.Spec.Taints)
			patches := 0
			for _, a := range c.Actions() {
				if a.GetVerb() == "patch" {
					patches++
				}
			}
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tc.wantChanged], patches, "one write when needed, none otherwise")
		})
	}
}

func TestCordonBadInput(t *testing.T) {
	c, err := fakecluster.New(testutil.DrainNode("node-a"))
	require.NoError(t, err)
	defer c.Close()
	_, err = drain.Cordon(t.Context(), c, "node-x", drain.CordonOptions{})
	assert.ErrorIs(t, err, drain.ErrNodeNotFound)
	c.ClearActions()
	_, err = drain.Cordon(t.Context(), c, "", drain.CordonOptions{})
	assert.ErrorIs(t, err, drain.ErrInvalidOptions)
	_, err = drain.Uncordon(t.Context(), c, "node-a", drain.CordonOptions{Taint: &corev1.Taint{Key: "k", Effect: "Sometimes"}})
	assert.ErrorIs(t, err, drain.ErrInvalidOptions)
	assert.Empty(t, c.Actions(), "bad options are refused before any request")

	for _, call := range []func(context.Context, kubernetes.Interface, string, drain.CordonOptions) (bool, error){drain.Cordon, drain.Uncordon} {
		_, err = call(t.Context(), nil, "node-a", drain.CordonOptions{})
		var optsErr *drain.OptionsError
		require.ErrorAs(t, err, &optsErr)
		assert.Equal(t, "client", optsErr.Field)
	}
}
