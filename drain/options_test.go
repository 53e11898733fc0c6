package drain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/drain"
)

func TestNewValidatesOptions(t *testing.T) {
	second, minute, zero, half := time.Second, time.Minute, time.Duration(0), 500*time.Millisecond
	tests := []struct {
		name      string
		opts      drain.Options
		badFields []string
	}{
		{name: "zero value is valid"},
		{name: "full valid options", opts: drain.Options{
			Force: true, DeleteEmptyDirData: true, EvictDaemonSets: true, GracePeriod: &second, PodSelector: "app in (web, api)",
			Taint: &corev1.Taint{Key: "example.com/draining", Effect: corev1.TaintEffectNoSchedule}, MaxConcurrentNodes: 2,
			MaxConcurrentEvictions: 10, MaxConcurrentEvictionsPerNode: 5, MaxConcurrentEvictionsPerNamespace: 3, Timeout: time.Minute, OnTimeout: drain.TimeoutForceDelete,
			ForceDeleteGracePeriod: &second, UncordonOnFailure: true, SkipWaitForDeleteTimeout: time.Minute,
			MinRetryInterval: time.Second, MaxRetryInterval: time.Minute,
		}},
		{name: "grace period zero would delete without waiting", opts: drain.Options{GracePeriod: &zero}, badFields: []string{"GracePeriod"}},
		{name: "grace period under a second", opts: drain.Options{GracePeriod: &half}, badFields: []string{"GracePeriod"}},
		{name: "force delete grace without the policy", opts: drain.Options{ForceDeleteGracePeriod: &second}, badFields: []string{"ForceDeleteGracePeriod"}},
		{name: "force delete grace zero", opts: drain.Options{Timeout: time.Minute, OnTimeout: drain.TimeoutForceDelete, ForceDeleteGracePeriod: &zero}, badFields: []string{"ForceDeleteGracePeriod"}},
		{name: "policy without timeout never applies", opts: drain.Options{OnTimeout: drain.TimeoutLeave}, badFields: []string{"OnTimeout"}},
		{name: "unknown policy", opts: drain.Options{Timeout: time.Minute, OnTimeout: drain.TimeoutPolicy(7)}, badFields: []string{"OnTimeout"}},
		{name: "negative durations", opts: drain.Options{Timeout: -1, SkipWaitForDeleteTimeout: -1}, badFields: []string{"Timeout", "SkipWaitForDeleteTimeout"}},
		{name: "negative limits", opts: drain.Options{MaxConcurrentNodes: -1, MaxConcurrentEvictions: -2, MaxConcurrentEvictionsPerNamespace: -3}, badFields: []string{"MaxConcurrentNodes", "MaxConcurrentEvictions", "MaxConcurrentEvictionsPerNamespace"}},
		{name: "min retry above max", opts: drain.Options{MinRetryInterval: time.Minute, MaxRetryInterval: time.Second}, badFields: []string{"MinRetryInterval"}},
		{name: "taint without key", opts: drain.Options{Taint: &corev1.Taint{Effect: corev1.TaintEffectNoSchedule}}, badFields: []string{"Taint"}},
		{name: "taint with PreferNoSchedule", opts: drain.Options{Taint: &corev1.Taint{Key: "k", Effect: corev1.TaintEffectPreferNoSchedule}}, badFields: []string{"Taint"}},
		{name: "bad pod selector", opts: drain.Options{PodSelector: "app in (web"}, badFields: []string{"PodSelector"}},
		{name: "grace cap under a second", opts: drain.Options{MaxGracePeriod: time.Millisecond}, badFields: []string{"MaxGracePeriod"}},
		{name: "negative grace cap", opts: drain.Options{MaxGracePeriod: -time.Second}, badFields: []string{"MaxGracePeriod"}},
		{name: "grace period above its cap", opts: drain.Options{GracePeriod: &minute, MaxGracePeriod: time.Second}, badFields: []string{"MaxGracePeriod"}},
		{name: "nil filter", opts: drain.Options{Filters: []drain.Filter{nil}}, badFields: []string{"Filters"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := drain.New(fake.NewClientset(), tc.opts)
			if len(tc.badFields) == 0 {
				require.NoError(t, err)
				assert.NotNil(t, d)
				return
			}
			require.Error(t, err)
			assert.Nil(t, d)
			assert.ErrorIs(t, err, drain.ErrInvalidOptions)
			var fields []string
			for _, e := range unjoin(err) {
				var optErr *drain.OptionsError
				require.ErrorAs(t, e, &optErr)
				fields = append(fields, optErr.Field)
			}
			assert.ElementsMatch(t, tc.badFields, fields)
		})
	}
}

func TestNewRejectsNilClient(t *testing.T) {
	_, err := drain.New(nil, drain.Options{})
	assert.ErrorIs(t, err, drain.ErrInvalidOptions)
}

func TestTimeoutPolicyString(t *testing.T) {
	assert.Equal(t, "Fail", drain.TimeoutFail.String())
	assert.Equal(t, "ForceDelete", drain.TimeoutForceDelete.String())
	assert.Equal(t, "Leave", drain.TimeoutLeave.String())
	assert.Equal(t, "TimeoutPolicy(9)", drain.TimeoutPolicy(9).String())
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{errors.Unwrap(err)}
}
