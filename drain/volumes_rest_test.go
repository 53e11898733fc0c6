package drain_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// TestPlanVolumesOverREST plans node-a through a real clientset: the claim
// is read and the attachments listed at the paths the API server serves
// them, and the answers are decoded.
func TestPlanVolumesOverREST(t *testing.T) {
	pod := testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Claim("data", "data-web").Obj()
	answers := map[string]any{
		"/api/v1/nodes":                        &corev1.NodeList{Items: []corev1.Node{*testutil.DrainNode("node-a"), *testutil.DrainNode("node-b")}},
		"/api/v1/pods":                         &corev1.PodList{Items: []corev1.Pod{*pod}},
		"/apis/policy/v1/poddisruptionbudgets": &policyv1.PodDisruptionBudgetList{},
		"/api/v1/namespaces/default/persistentvolumeclaims/data-web": testutil.BoundClaim("default", "data-web", "pv-web"),
		"/apis/storage.k8s.io/v1/volumeattachments": &storagev1.VolumeAttachmentList{Items: []storagev1.VolumeAttachment{
			*testutil.VolumeAttachment("va-web", "node-a", "pv-web"),
			*testutil.VolumeAttachment("va-other", "node-b", "pv-web"),
		}},
	}
	var mu sync.Mutex
	var paths []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		answer, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		assert.NoError(t, json.NewEncoder(w).Encode(answer))
	}))
	defer server.Close()
	client, err := kubernetes.NewForConfig(&rest.Config{Host: server.URL})
	require.NoError(t, err)

	d, err := drain.New(client, drain.Options{WaitForVolumeDetach: true})
	require.NoError(t, err)
	plan, err := d.Plan(t.Context(), "node-a")
	require.NoError(t, err)
	assert.Equal(t, []string{"va-web"}, plan.VolumeAttachments, plan.String())
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, paths, "/api/v1/namespaces/default/persistentvolumeclaims/data-web")
	assert.Contains(t, paths, "/apis/storage.k8s.io/v1/volumeattachments")
}
