package fakecluster_test

import (
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/manifest"
)

func TestLoadStartsWorkloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, err := os.Open("testdata/shop.yaml")
		require.NoError(t, err)
		defer f.Close()
		c, err := fakecluster.Load(f, fakecluster.Options{})
		require.NoError(t, err)
		defer c.Close()
		ctx := t.Context()

		pods, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		byApp := map[string][]corev1.Pod{}
		perNode := map[string]int{}
		for _, p := range pods.Items {
			byApp[p.Labels["app"]] = append(byApp[p.Labels["app"]], p)
			perNode[p.Spec.NodeName]++
			assert.Equal(t, corev1.PodRunning, p.Status.Phase, p.Name)
			assert.True(t, isReady(&p), p.Name)
			assert.NotEmpty(t, p.UID, p.Name)
		}
		assert.Len(t, byApp["web"], 3)
		assert.Len(t, byApp["db"], 2)
		assert.Len(t, byApp["logs"], 3, "one DaemonSet pod per node")
		assert.Len(t, byApp[""], 1, "the bare pod, placed")
		assert.Len(t, perNode, 3)
		for node, n := range perNode {
			assert.GreaterOrEqual(t, n, 2, "spread: %s", node)
		}
		names := []string{byApp["db"][0].Name, byApp["db"][1].Name}
		assert.ElementsMatch(t, []string{"db-0", "db-1"}, names)
		for _, p := range byApp["web"] {
			assert.True(t, strings.HasPrefix(p.Name, "web-"), p.Name)
			ref := metav1.GetControllerOf(&p)
			require.NotNil(t, ref)
			assert.Equal(t, "ReplicaSet", ref.Kind)
		}

		web, err := c.PolicyV1().PodDisruptionBudgets("shop").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(1), web.Status.DisruptionsAllowed)
		db, err := c.PolicyV1().PodDisruptionBudgets("shop").Get(ctx, "db", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(2), db.Status.ExpectedPods, "from the StatefulSet's scale")
		assert.Equal(t, int32(0), db.Status.DisruptionsAllowed)
	})
}

func TestLoadBadManifest(t *testing.T) {
	_, err := fakecluster.Load(strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [\n"), fakecluster.Options{})
	var docErr *manifest.DocumentError
	require.ErrorAs(t, err, &docErr)
	assert.Equal(t, 1, docErr.Index)

	_, err = fakecluster.Load(strings.NewReader("apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: a}\n"), fakecluster.Options{})
	assert.Error(t, err, "duplicate names")
}
