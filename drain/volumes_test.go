package drain_test

import (
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

const detachDelay = 2 * time.Minute

// volumeScenario is node-a and node-b with web-0, a ReplicaSet's pod on
// node-a (1 s grace period) whose claim data-web is bound to pv-web,
// attached to node-a as va-web, plus the objects given.
func volumeScenario(t *testing.T, opts fakecluster.Options, objs ...runtime.Object) *fakecluster.Cluster {
	t.Helper()
	return new(scenario).nodes("node-a", "node-b").
		add(
			testutil.ReplicaSet("default", "web", 1),
			testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Claim("data", "data-web").Obj(),
			testutil.BoundClaim("default", "data-web", "pv-web"),
			testutil.VolumeAttachment("va-web", "node-a", "pv-web"),
		).
		add(objs...).
		start(t, opts, time.Second)
}

func attachmentNames(t *testing.T, c *fakecluster.Cluster) []string {
	t.Helper()
	list, err := c.StorageV1().VolumeAttachments().List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	names := []string{}
	for _, va := range list.Items {
		names = append(names, va.Name)
	}
	return names
}

// TestDrainWaitsForVolumeDetach drains node-a with WaitForVolumeDetach: the
// drain ends once the attachments of the volumes of the pods it evicted are
// gone from node-a (the fake detaches them detachDelay after their pod is
// gone, which takes its 1 s grace period), and not for any other
// attachment, as Karpenter's filterVolumeAttachments leaves out those of
// pods that stay.
func TestDrainWaitsForVolumeDetach(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []runtime.Object
		// wantWait is how long the drain takes; wantWaited the attachments
		// it waited for; wantLeft those still there afterwards.
		wantWait   time.Duration
		wantWaited []string
		wantLeft   []string
	}{
		{
			name:       "the attachment of an evicted pod's volume",
			wantWait:   time.Second + detachDelay,
			wantWaited: []string{"va-web"},
			wantLeft:   []string{},
		},
		{
			name: "every attachment of the evicted pods, and only theirs",
			extra: []runtime.Object{
				testutil.ReplicaSet("default", "db", 1),
				testutil.DrainPod("db-0", "node-a").Owner("ReplicaSet", "db").Labels("app", "db").
					Claim("data", "data-db").Claim("logs", "logs-db").Obj(),
				testutil.BoundClaim("default", "data-db", "pv-db"),
				testutil.BoundClaim("default", "logs-db", "pv-logs"),
				testutil.VolumeAttachment("va-db", "node-a", "pv-db"),
				testutil.VolumeAttachment("va-logs", "node-a", "pv-logs"),
				// Attached to node-a, used by no pod of it.
				testutil.VolumeAttachment("va-stale", "node-a", "pv-stale"),
			},
			wantWait:   time.Second + detachDelay,
			wantWaited: []string{"va-db", "va-logs", "va-web"},
			wantLeft:   []string{"va-stale"},
		},
		{
			name: "not the attachment of a DaemonSet pod, which stays",
			extra: []runtime.Object{
				testutil.DaemonSet("default", "agent"),
				testutil.DrainPod("agent-x", "node-a").Owner("DaemonSet", "agent").Claim("cache", "cache-agent").Obj(),
				testutil.BoundClaim("default", "cache-agent", "pv-agent"),
				testutil.VolumeAttachment("va-agent", "node-a", "pv-agent"),
			},
			wantWait:   time.Second + detachDelay,
			wantWaited: []string{"va-web"},
			wantLeft:   []string{"va-agent"},
		},
		{
			name: "not a volume an evicted pod shares with a pod that stays",
			extra: []runtime.Object{
				testutil.DaemonSet("default", "agent"),
				testutil.DrainPod("agent-x", "node-a").Owner("DaemonSet", "agent").Claim("shared", "data-web").Obj(),
			},
			wantWait:   time.Second,
			wantWaited: nil,
			wantLeft:   []string{"va-web"},
		},
		{
			name: "not an attachment of the volume to another node",
			extra: []runtime.Object{
				testutil.VolumeAttachment("va-web-b", "node-b", "pv-web"),
			},
			wantWait:   time.Second + detachDelay,
			wantWaited: []string{"va-web"},
			wantLeft:   []string{"va-web-b"},
		},
		{
			name: "nothing for a claim that is not bound or does not exist",
			extra: []runtime.Object{
				testutil.ReplicaSet("default", "db", 1),
				testutil.DrainPod("db-0", "node-a").Owner("ReplicaSet", "db").Labels("app", "db").
					Claim("data", "pending").Claim("logs", "missing").Obj(),
				testutil.BoundClaim("default", "pending", ""),
			},
			wantWait:   time.Second + detachDelay,
			wantWaited: []string{"va-web"},
			wantLeft:   []string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := volumeScenario(t, fakecluster.Options{DetachDelay: detachDelay}, tc.extra...)
				var ev events
				d, err := drain.New(c, drain.Options{WaitForVolumeDetach: true, OnEvent: ev.record})
				require.NoError(t, err)
				start := time.Now()
				report, err := d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, tc.wantWait, time.Since(start))
				assert.ElementsMatch(t, tc.wantLeft, attachmentNames(t, c))

				require.Len(t, report.Nodes, 1)
				node := report.Nodes[0]
				assert.True(t, node.Drained)
				assert.Equal(t, tc.wantWaited, node.VolumeAttachments)
				assert.Equal(t, start.Add(tc.wantWait), node.VolumesDetached)
				assert.Equal(t, 1, report.Requests["list volumeattachments"], "one list serves the drain")

				detached := ev.ofType(drain.EventVolumesDetached)
				require.Len(t, detached, 1)
				assert.Equal(t, tc.wantWaited, detached[0].VolumeAttachments)
				waiting := ev.ofType(drain.EventWaitingForVolumes)
				if tc.wantWaited == nil {
					assert.Empty(t, waiting)
					return
				}
				require.NotEmpty(t, waiting)
				assert.Equal(t, tc.wantWaited, waiting[0].VolumeAttachments)
				assert.Contains(t, waiting[0].Message, tc.wantWaited[0]+" (pv ")

				data, err := json.Marshal(report)
				require.NoError(t, err)
				assert.Contains(t, string(data), `"volumeAttachments":["`+tc.wantWaited[0])
			})
		})
	}
}

// TestDrainVolumeDetachTimeout: an attachment that stays past the node's
// Timeout leaves the node not drained, with an error naming it.
func TestDrainVolumeDetachTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := volumeScenario(t, fakecluster.Options{DetachDelay: time.Hour})
		d, err := drain.New(c, drain.Options{WaitForVolumeDetach: true, Timeout: 5 * time.Minute})
		require.NoError(t, err)
		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.Error(t, err)
		assert.Equal(t, 5*time.Minute, time.Since(start))
		assert.ErrorIs(t, err, drain.ErrTimeout)
		var detach *drain.VolumeDetachError
		require.ErrorAs(t, err, &detach)
		assert.Equal(t, []string{"va-web (pv pv-web)"}, detach.Attachments)
		assert.Contains(t, err.Error(), "va-web (pv pv-web) still attached")

		require.Len(t, report.Nodes, 1)
		assert.False(t, report.Nodes[0].Drained)
		assert.Contains(t, report.Nodes[0].Error, "va-web")
		assert.Equal(t, []string{"va-web"}, report.Nodes[0].VolumeAttachments)
		assert.True(t, report.Nodes[0].VolumesDetached.IsZero())
		p, ok := report.Pod("default", "web-0")
		require.True(t, ok)
		assert.Equal(t, drain.OutcomeEvicted, p.Outcome, "the pod went; its volume did not")
	})
}

// forbidden is the API server's answer to a request RBAC denies.
func forbidden(group, resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, "",
		errors.New(`User "system:serviceaccount:ops:drainer" cannot do this`))
}

// TestDrainVolumeDetachForbidden: a permission the wait needs and the
// drain lacks gives a PermissionError naming it; a list or a claim read
// that is refused stops the drain before anything is evicted.
func TestDrainVolumeDetachForbidden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  func(c *fakecluster.Cluster)
		want    drain.PermissionError
		evicted bool
	}{
		{
			name: "list volumeattachments",
			refuse: func(c *fakecluster.Cluster) {
				c.PrependReactor("list", "volumeattachments", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden("storage.k8s.io", "volumeattachments")
				})
			},
			want: drain.PermissionError{Verb: "list", Resource: "volumeattachments.storage.k8s.io"},
		},
		{
			name: "watch volumeattachments",
			refuse: func(c *fakecluster.Cluster) {
				c.PrependWatchReactor("volumeattachments", func(k8stesting.Action) (bool, watch.Interface, error) {
					return true, nil, forbidden("storage.k8s.io", "volumeattachments")
				})
			},
			want:    drain.PermissionError{Verb: "watch", Resource: "volumeattachments.storage.k8s.io"},
			evicted: true,
		},
		{
			name: "get persistentvolumeclaims",
			refuse: func(c *fakecluster.Cluster) {
				c.PrependReactor("get", "persistentvolumeclaims", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden("", "persistentvolumeclaims")
				})
			},
			want: drain.PermissionError{Verb: "get", Resource: "persistentvolumeclaims", Namespace: "default"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := volumeScenario(t, fakecluster.Options{DetachDelay: detachDelay})
				tc.refuse(c)
				d, err := drain.New(c, drain.Options{WaitForVolumeDetach: true})
				require.NoError(t, err)
				_, err = d.Drain(t.Context(), "node-a")
				require.Error(t, err)
				var perm *drain.PermissionError
				require.ErrorAs(t, err, &perm)
				assert.Equal(t, tc.want.Verb, perm.Verb)
				assert.Equal(t, tc.want.Resource, perm.Resource)
				assert.Equal(t, tc.want.Namespace, perm.Namespace)
				assert.True(t, apierrors.IsForbidden(err), "the API server's answer is wrapped")
				assert.Contains(t, err.Error(), "Options.WaitForVolumeDetach needs permission to "+tc.want.Verb+" "+tc.want.Resource)
				if tc.evicted {
					assert.Equal(t, []string{"web-0"}, evictionsOf(c))
				} else {
					assert.Empty(t, evictionsOf(c), "nothing is evicted")
				}
			})
		})
	}
}

// TestDrainWithoutVolumeWait: with the option off (the default) the drain
// ends when the pods are gone and sends no request about volumes.
func TestDrainWithoutVolumeWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := volumeScenario(t, fakecluster.Options{DetachDelay: detachDelay})
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: ev.record})
		require.NoError(t, err)
		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start))
		for _, a := range c.Actions() {
			r := a.GetResource().Resource
			assert.NotContains(t, []string{"volumeattachments", "persistentvolumeclaims"}, r, "%s %s", a.GetVerb(), r)
		}
		assert.Empty(t, report.Nodes[0].VolumeAttachments)
		assert.True(t, report.Nodes[0].VolumesDetached.IsZero())
		assert.Empty(t, ev.ofType(drain.EventWaitingForVolumes))
		assert.Empty(t, ev.ofType(drain.EventVolumesDetached))
	})
}

// TestPlanVolumeAttachments: the plan names the attachments a drain would
// wait for, reading them only when the option is on; one it may not read
// becomes a warning, as a plan always finishes.
func TestPlanVolumeAttachments(t *testing.T) {
	agent := []runtime.Object{
		testutil.DaemonSet("default", "agent"),
		testutil.DrainPod("agent-x", "node-a").Owner("DaemonSet", "agent").Claim("cache", "cache-agent").Obj(),
		testutil.BoundClaim("default", "cache-agent", "pv-agent"),
		testutil.VolumeAttachment("va-agent", "node-a", "pv-agent"),
		testutil.VolumeAttachment("va-web-b", "node-b", "pv-web"),
	}
	for _, tc := range []struct {
		name        string
		wait        bool
		refuse      string
		want        []string
		wantWarning string
	}{
		{name: "on", wait: true, want: []string{"va-web"}},
		{name: "off", wait: false},
		{name: "list refused", wait: true, refuse: "list", wantWarning: "Options.WaitForVolumeDetach needs permission to list volumeattachments.storage.k8s.io cluster-wide"},
		{name: "claim refused", wait: true, refuse: "get", wantWarning: "Options.WaitForVolumeDetach needs permission to get persistentvolumeclaims in namespace default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := volumeScenario(t, fakecluster.Options{}, agent...)
			switch tc.refuse {
			case "list":
				c.PrependReactor("list", "volumeattachments", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden("storage.k8s.io", "volumeattachments")
				})
			case "get":
				c.PrependReactor("get", "persistentvolumeclaims", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden("", "persistentvolumeclaims")
				})
			}
			d, err := drain.New(c, drain.Options{WaitForVolumeDetach: tc.wait})
			require.NoError(t, err)
			plan, err := d.Plan(t.Context(), "node-a")
			require.NoError(t, err)
			assert.Equal(t, tc.want, plan.VolumeAttachments)
			if tc.want != nil {
				assert.Contains(t, plan.String(), "then waits for 1 volume attachment to detach: va-web\n")
			}
			var warnings []string
			for _, f := range plan.Findings {
				warnings = append(warnings, f.Message)
			}
			if tc.wantWarning != "" {
				require.Len(t, warnings, 1)
				assert.Contains(t, warnings[0], tc.wantWarning)
			} else {
				assert.Empty(t, warnings)
			}
			if !tc.wait {
				for _, a := range c.Actions() {
					r := a.GetResource().Resource
					assert.NotContains(t, []string{"volumeattachments", "persistentvolumeclaims"}, r, "%s %s", a.GetVerb(), r)
				}
			}
		})
	}
}
