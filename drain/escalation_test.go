package drain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEscalationPolicyValidate(t *testing.T) {
	second := time.Second
	half := 500 * time.Millisecond
	tests := []struct {
		name    string
		policy  EscalationPolicy
		timeout time.Duration
		wantErr string // a substring; "" for valid
	}{
		{name: "zero policy", policy: EscalationPolicy{}},
		{name: "full ladder", policy: EscalationPolicy{
			Delete:            EscalationTrigger{Blocked: time.Minute, Unready: time.Minute, BeforeDeadline: time.Minute},
			DeleteGracePeriod: &second,
			Leave:             EscalationTrigger{Terminating: time.Minute, NodeUnreachable: time.Minute},
		}, timeout: time.Hour},
		{name: "negative duration", policy: EscalationPolicy{Leave: EscalationTrigger{Blocked: -time.Second}}, wantErr: "Leave.Blocked is negative"},
		{name: "negative node unreachable", policy: EscalationPolicy{Leave: EscalationTrigger{NodeUnreachable: -time.Second}}, wantErr: "Leave.NodeUnreachable is negative"},
		{name: "deadline without Timeout", policy: EscalationPolicy{Delete: EscalationTrigger{BeforeDeadline: time.Minute}}, wantErr: "Delete.BeforeDeadline is set but Options.Timeout is zero"},
		{name: "grace period under a second", policy: EscalationPolicy{Delete: EscalationTrigger{Blocked: time.Minute}, DeleteGracePeriod: &half}, wantErr: "DeleteGracePeriod is 500ms"},
		{name: "grace period without Delete", policy: EscalationPolicy{DeleteGracePeriod: &second, Leave: EscalationTrigger{Blocked: time.Minute}}, wantErr: "Delete never fires"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.validate(tc.timeout)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestEscalationPolicyString(t *testing.T) {
	grace := 30 * time.Second
	assert.Empty(t, EscalationPolicy{}.String())
	assert.Equal(t, "delete after blocked 10m0s or 1m0s before the deadline with grace 30s; leave after terminating 5m0s",
		EscalationPolicy{
			Delete:            EscalationTrigger{Blocked: 10 * time.Minute, BeforeDeadline: time.Minute},
			DeleteGracePeriod: &grace,
			Leave:             EscalationTrigger{Terminating: 5 * time.Minute},
		}.String())
}
