package drain_test

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/drain"
)

// budgetNotProcessed is the eviction API's answer while a budget's status
// is not observed, or when the pod changed under the eviction
// (pkg/registry/core/pod/storage/eviction.go, createTooManyRequestsError):
// 429, cause DisruptionBudget, Retry-After 10.
func budgetNotProcessed() *http.Response {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: policyv1.DisruptionBudgetCause,
		Message: "The disruption budget web is still being processed by the server."}}
	return statusResponse(err, 10)
}

// budgetConflicts is the eviction API's answer when it could not write the
// budget's status for conflicts: 504 with Retry-After 10.
func budgetConflicts() *http.Response {
	return statusResponse(apierrors.NewTimeoutError(`couldn't update PodDisruptionBudget "web" due to conflicts`, 10), 10)
}

// client-go's REST client repeats a 429 or 5xx carrying Retry-After up to
// ten times inside one call. The drain sends each eviction exactly once,
// counts it, and does the waiting itself: it honours Retry-After, and while
// it waits it still sees the pod go, and its own deadline.
func TestEvictionRequestsAreNotRepeatedBehindTheDrain(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(pod string, n int) *http.Response
		timeout time.Duration
		// deleteAt, when set, is when someone else deletes the pod.
		deleteAt time.Duration
		// want: the arrival of each eviction request, from the start of
		// the drain, and the pod's outcome.
		want    []time.Duration
		outcome drain.Outcome
		// took is how long the drain takes.
		took  time.Duration
		fails bool
	}{
		{
			// Without the drain's own loop, the first call would only end
			// after 100 s.
			name:    "a budget never processed, until the drain's timeout",
			answer:  func(string, int) *http.Response { return budgetNotProcessed() },
			timeout: 35 * time.Second,
			want:    []time.Duration{0, 10 * time.Second, 20 * time.Second, 30 * time.Second},
			outcome: drain.OutcomeRemaining, took: 35 * time.Second, fails: true,
		},
		{
			name:     "the pod deleted by someone else during Retry-After",
			answer:   func(string, int) *http.Response { return budgetNotProcessed() },
			deleteAt: 3 * time.Second,
			want:     []time.Duration{0},
			outcome:  drain.OutcomeGone, took: 3 * time.Second,
		},
		{
			name: "throttled by API Priority and Fairness",
			answer: func(_ string, n int) *http.Response {
				if n == 1 {
					return throttled(2)
				}
				return nil
			},
			want:    []time.Duration{0, 2 * time.Second},
			outcome: drain.OutcomeEvicted, took: 2 * time.Second,
		},
		{
			name: "the budget's status kept conflicting",
			answer: func(_ string, n int) *http.Response {
				if n == 1 {
					return budgetConflicts()
				}
				return nil
			},
			want:    []time.Duration{0, 10 * time.Second},
			outcome: drain.OutcomeEvicted, took: 10 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				server := newAPIServer(t, "web-0")
				server.answer = tc.answer
				d, err := drain.New(server.client(), drain.Options{Timeout: tc.timeout})
				require.NoError(t, err)
				start := time.Now()
				if tc.deleteAt > 0 {
					go func() {
						time.Sleep(tc.deleteAt)
						server.deletePod("web-0")
					}()
				}
				report, err := d.Drain(t.Context(), "node-a")
				took := time.Since(start)
				synctest.Wait()
				if tc.fails {
					var timeout *drain.TimeoutError
					assert.True(t, errors.As(err, &timeout), "timeout error, got %v", err)
				} else {
					require.NoError(t, err)
				}
				var arrivals []time.Duration
				for _, at := range server.evictionTimes() {
					arrivals = append(arrivals, at.Sub(start))
				}
				assert.Equal(t, tc.want, arrivals, "eviction requests as the server saw them")
				assert.Equal(t, tc.took, took)
				require.Len(t, report.Pods, 1)
				assert.Equal(t, tc.outcome, report.Pods[0].Outcome)
				assert.Equal(t, len(tc.want), report.Pods[0].Attempts, "one request per attempt")
				assert.Equal(t, len(tc.want), report.Requests["create eviction"])
				assert.Equal(t, server.requestCount(), report.APIRequests, "every request counted: %v", report.Requests)
			})
		})
	}
}

// The API server updates a budget's status with optimistic concurrency: a
// second eviction of the same budget sent while one is being answered
// conflicts, and the server waits 500 ms before it tries again
// (EvictionsRetry in pkg/registry/core/pod/storage/eviction.go), up to 20
// times and then answers 504. The drain sends one eviction per budget at a
// time, and evicts under different budgets in parallel.
func TestEvictionsOfOneBudgetAreSentOneAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newAPIServer(t, "web-0", "web-1", "web-2", "db-0", "db-1")
		server.evictDelay = 100 * time.Millisecond
		d, err := drain.New(server.client(), drain.Options{})
		require.NoError(t, err)
		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 5, report.Count(drain.OutcomeEvicted))
		assert.Equal(t, map[string]int{"web": 1, "db": 1, "": 2}, server.maxInflight, "evictions being answered at once, by budget and in all")
		assert.Equal(t, 300*time.Millisecond, time.Since(start), "web's three evictions one after another")
	})
}
