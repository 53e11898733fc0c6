package drain_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiServer is an in-memory API server for the requests a drain of one node
// sends, behind a real clientset: client-go's REST client, with its own
// retries, decoders and throttling, reaches it through an http.RoundTripper
// instead of a socket, so that it runs inside a synctest bubble. It holds
// one node, "node-a", and its pods (namespace default, owned by a
// ReplicaSet); a pod named APP-N is labelled app=APP, and each app has a
// budget of its name whose status allows every one of its pods to go.
type apiServer struct {
	t *testing.T

	mu      sync.Mutex
	rv      int
	node    *corev1.Node
	pods    map[string]*corev1.Pod
	budgets []policyv1.PodDisruptionBudget
	watches []serverWatch
	// requests and evictions record every request received.
	requests  int
	evictions []time.Time
	attempts  map[string]int
	// answer, when set, answers eviction number n (from 1) of the pod
	// instead of accepting it; nil lets the request through.
	answer func(pod string, n int) *http.Response
	// evictDelay is how long an eviction takes to answer; inflight counts
	// the evictions being answered by app, and maxInflight the most seen
	// at once, by app and in all ("").
	evictDelay  time.Duration
	inflight    map[string]int
	maxInflight map[string]int
}

func newAPIServer(t *testing.T, pods ...string) *apiServer {
	s := &apiServer{t: t, pods: map[string]*corev1.Pod{}, attempts: map[string]int{},
		inflight: map[string]int{}, maxInflight: map[string]int{}}
	s.node = &corev1.Node{TypeMeta: metav1.TypeMeta{Kind: "Node", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: "node-a", ResourceVersion: s.nextRV()}}
	count := map[string]int32{}
	var apps []string
	for _, name := range pods {
		app := appOf(name)
		if count[app] == 0 {
			apps = append(apps, app)
		}
		count[app]++
		s.pods[name] = &corev1.Pod{
			TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: k8stypes.UID("uid-" + name), ResourceVersion: s.nextRV(),
				Labels:          map[string]string{"app": app},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app, UID: k8stypes.UID("rs-" + app), Controller: new(true)}}},
			Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "x"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
		}
	}
	for _, app := range apps {
		healthy := count[app] + 2
		s.budgets = append(s.budgets, policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{Kind: "PodDisruptionBudget", APIVersion: "policy/v1"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: app, Generation: 1, ResourceVersion: s.nextRV()},
			Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: new(intstr.FromInt32(count[app])),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
			Status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, ExpectedPods: healthy, CurrentHealthy: healthy,
				DesiredHealthy: 2, DisruptionsAllowed: count[app]},
		})
	}
	return s
}

// appOf is the app of a pod named APP-N.
func appOf(pod string) string { return pod[:strings.LastIndex(pod, "-")] }

func (s *apiServer) nextRV() string {
	s.rv++
	return fmt.Sprint(s.rv)
}

// client is a real clientset talking to the server, without client-side
// throttling.
func (s *apiServer) client() kubernetes.Interface {
	client, err := kubernetes.NewForConfig(&rest.Config{Host: "http://apiserver.test", QPS: -1,
		Transport: roundTripper(s.roundTrip)})
	require.NoError(s.t, err)
	return client
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// deletePod removes a pod as its deletion by someone else would.
func (s *apiServer) deletePod(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteLocked(name)
}

func (s *apiServer) deleteLocked(name string) {
	pod, ok := s.pods[name]
	if !ok {
		return
	}
	delete(s.pods, name)
	pod = pod.DeepCopy()
	pod.ResourceVersion = s.nextRV()
	for _, w := range s.watches {
		if !w.pods {
			continue
		}
		select {
		case w.events <- watch.Event{Type: watch.Deleted, Object: pod}:
		case <-w.done:
		}
	}
}

// evictionTimes returns when each eviction request arrived.
func (s *apiServer) evictionTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.evictions...)
}

func (s *apiServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *apiServer) roundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	path, q := r.URL.Path, r.URL.Query()
	switch {
	case r.Method == http.MethodGet && path == "/api/v1/nodes/node-a":
		return jsonResponse(http.StatusOK, s.node), nil
	case r.Method == http.MethodPatch && path == "/api/v1/nodes/node-a":
		s.node.Spec.Unschedulable = true
		s.node.ResourceVersion = s.nextRV()
		return jsonResponse(http.StatusOK, s.node), nil
	case r.Method == http.MethodGet && path == "/api/v1/pods" && q.Get("watch") == "true":
		return s.watch(r, true), nil
	case r.Method == http.MethodGet && path == "/api/v1/pods":
		list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: fmt.Sprint(s.rv)}}
		for _, p := range s.pods {
			list.Items = append(list.Items, *p)
		}
		return jsonResponse(http.StatusOK, list), nil
	case r.Method == http.MethodGet && path == "/apis/policy/v1/poddisruptionbudgets" && q.Get("watch") == "true":
		// Budgets do not change here: a watch that stays open.
		return s.watch(r, false), nil
	case r.Method == http.MethodGet && path == "/apis/policy/v1/poddisruptionbudgets":
		return jsonResponse(http.StatusOK, &policyv1.PodDisruptionBudgetList{
			TypeMeta: metav1.TypeMeta{Kind: "PodDisruptionBudgetList", APIVersion: "policy/v1"},
			ListMeta: metav1.ListMeta{ResourceVersion: fmt.Sprint(s.rv)},
			Items:    s.budgets}), nil
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/api/v1/namespaces/default/pods/") && strings.HasSuffix(path, "/eviction"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/namespaces/default/pods/"), "/eviction")
		s.evictions = append(s.evictions, time.Now())
		if _, ok := s.pods[name]; !ok {
			return statusResponse(apierrors.NewNotFound(corev1.Resource("pods"), name), 0), nil
		}
		s.attempts[name]++
		if s.answer != nil {
			if resp := s.answer(name, s.attempts[name]); resp != nil {
				return resp, nil
			}
		}
		if s.evictDelay > 0 {
			app := appOf(name)
			s.inflight[app]++
			s.inflight[""]++
			for _, k := range []string{app, ""} {
				s.maxInflight[k] = max(s.maxInflight[k], s.inflight[k])
			}
			s.mu.Unlock()
			time.Sleep(s.evictDelay)
			s.mu.Lock()
			s.inflight[app]--
			s.inflight[""]--
		}
		s.deleteLocked(name)
		return jsonResponse(http.StatusCreated, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess}), nil
	}
	s.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	return statusResponse(apierrors.NewNotFound(corev1.Resource(path), ""), 0), nil
}

// watch streams the events sent to the server's watchers of pods (or of
// budgets) until the request ends. Called under the lock.
func (s *apiServer) watch(r *http.Request, pods bool) *http.Response {
	sw := serverWatch{pods: pods, events: make(chan watch.Event), done: make(chan struct{})}
	s.watches = append(s.watches, sw)
	body, w := io.Pipe()
	go func() {
		defer close(sw.done)
		enc := json.NewEncoder(w)
		for {
			select {
			case <-r.Context().Done():
				w.CloseWithError(r.Context().Err())
				return
			case ev := <-sw.events:
				raw, err := json.Marshal(ev.Object)
				if err != nil {
					w.CloseWithError(err)
					return
				}
				if err := enc.Encode(metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: raw}}); err != nil {
					return
				}
			}
		}
	}()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// serverWatch is one open watch: events go out until done is closed.
type serverWatch struct {
	pods   bool
	events chan watch.Event
	done   chan struct{}
}

func jsonResponse(code int, obj any) *http.Response {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(code)
	_ = json.NewEncoder(rec).Encode(obj)
	return rec.Result()
}

// statusResponse answers with the error's Status, and a Retry-After header
// when retryAfter is positive, as the API server does.
func statusResponse(err *apierrors.StatusError, retryAfter int) *http.Response {
	status := err.ErrStatus
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	resp := jsonResponse(int(status.Code), &status)
	if retryAfter > 0 {
		resp.Header.Set("Retry-After", fmt.Sprint(retryAfter))
	}
	return resp
}

// throttled is API Priority and Fairness's answer: a plain-text 429 whose
// only hint is the Retry-After header.
func throttled(retryAfter int) *http.Response {
	return &http.Response{StatusCode: http.StatusTooManyRequests,
		Header: http.Header{"Content-Type": {"text/plain"}, "Retry-After": {fmt.Sprint(retryAfter)}},
		Body:   io.NopCloser(bytes.NewBufferString("Too many requests, please try again later.\n"))}
}
