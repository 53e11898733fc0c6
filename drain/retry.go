package drain

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// backoff is a capped exponential backoff with ±20% jitter, so that pods
// blocked together do not retry together.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(minInterval, maxInterval time.Duration) *backoff {
	return &backoff{min: minInterval, max: maxInterval}
}

// step returns the next wait and doubles the one after it.
func (b *backoff) step() time.Duration {
	if b.next == 0 {
		b.next = b.min
	}
	d := b.next
	b.next = min(2*b.next, b.max)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return max(d+jitter, time.Millisecond)
}

// reset starts the backoff over, after progress.
func (b *backoff) reset() { b.next = 0 }

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// transient says whether a failed request may succeed if sent again: server
// errors, timeouts, throttling and broken connections. Conflicts are not
// transient here; callers that can re-read handle them.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	switch {
	case apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsTooManyRequests(err), apierrors.IsInternalError(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsUnexpectedServerError(err):
		return true
	}
	if status, ok := err.(apierrors.APIStatus); ok || errors.As(err, &status) {
		code := status.Status().Code
		return code >= 500
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, context.DeadlineExceeded)
}

// maxQuickAttempts bounds retries of single requests (cordon, lists) whose
// failure ends the operation; evictions retry until their deadline instead.
const maxQuickAttempts = 6

// retryQuick calls fn until it succeeds, fails for good, or has failed
// maxQuickAttempts times with transient errors, waiting at least as long as
// a Retry-After header asks. onRetry, if set, is told of each retry.
func retryQuick(ctx context.Context, b *backoff, fn func() error, onRetry func(err error, wait time.Duration)) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = fn(); err == nil || !transient(err) || attempt == maxQuickAttempts || ctx.Err() != nil {
			return err
		}
		wait := retryWait(b, err)
		if onRetry != nil {
			onRetry(err, wait)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

// retryWait is the backoff's next wait, or longer if the error carries a
// Retry-After that asks for more.
func retryWait(b *backoff, err error) time.Duration {
	wait := b.step()
	if seconds, ok := apierrors.SuggestsClientDelay(err); ok {
		wait = max(wait, time.Duration(seconds)*time.Second)
	}
	return wait
}
