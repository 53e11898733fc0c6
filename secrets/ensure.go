package secrets

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// EnsureOptions tune Ensure. The zero value keeps everything: it adds missing
// keys, changes no existing value, deletes nothing, and refuses to touch a
// Secret of another type or an immutable one whose data would change.
type EnsureOptions struct {
	// Generate makes the values of keys that must exist: a generator runs only
	// when its key is missing (or named in Regenerate). Its keys may not also
	// be in the Secret's data.
	Generate map[string]Generator
	// Regenerate names keys to write even though they exist: a generated key
	// gets a new value, a key of the Secret's data its desired value.
	Regenerate []string
	// Delete names keys to remove when present; they may not be desired keys.
	Delete []string
	// Prune removes every key the desired Secret does not have. Keys added by
	// hand are lost; prefer Delete.
	Prune bool
	// AllowTypeChange deletes and recreates a Secret whose type differs (the
	// API server forbids changing it in place), keeping its values.
	AllowTypeChange bool
	// AllowRecreate deletes and recreates an immutable Secret whose data
	// must change, keeping the values not being changed. Pods that mount it
	// keep the old content until they restart.
	AllowRecreate bool
	// DryRun reads the Secret and reports what would change, writing nothing.
	DryRun bool
	// FieldManager is recorded in managedFields; empty means the client's
	// default.
	FieldManager string
	// MaxAttempts bounds the reads and writes when another writer conflicts;
	// zero means 5.
	MaxAttempts int
	// OnEvent, when set, is called synchronously from Ensure's goroutine for
	// each step. Events carry key names, never values.
	OnEvent func(Event)
}

const defaultEnsureAttempts = 5

// Ensure makes the Secret secret exist in secret.Namespace without losing a
// value. When it is absent, Ensure creates it with secret's data and a value
// from each generator of opts.Generate. When it exists, Ensure keeps every
// existing value, adds only the missing keys (generators run only for them),
// deletes nothing unless opts.Delete or opts.Prune say so, regenerates only
// the keys in opts.Regenerate, and merges secret's labels, annotations and
// owner references into the existing ones. So it can run on every deploy,
// and values added by hand survive.
//
// The result is validated as the API server validates it before anything is
// written. A write that conflicts with another writer is retried after
// reading the Secret again, up to opts.MaxAttempts times, waiting 10 ms, 20 ms,
// 40 ms … (at most 1 s) or until ctx is done. A Secret of another type gives
// *TypeError and an immutable Secret whose data would change *ImmutableError,
// unless the options allow deleting and recreating it. With opts.DryRun
// nothing is written and the report says what would change.
//
// The report lists keys, never values, and is returned with refusals too
// (Action ActionRefused). Values never appear in errors, events or logs;
// Ensure logs one line at V(1) to logr.FromContextOrDiscard(ctx). secret is
// not modified.
func Ensure(ctx context.Context, client kubernetes.Interface, secret *corev1.Secret, opts EnsureOptions) (*EnsureReport, error) {
	if client == nil {
		return nil, &InputError{Field: "client", Reason: "is nil"}
	}
	desired, err := newDesiredState(secret, opts)
	if err != nil {
		return nil, err
	}
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = defaultEnsureAttempts
	}
	ns, name := desired.secret.Namespace, desired.secret.Name
	api := client.CoreV1().Secrets(ns)
	log := logr.FromContextOrDiscard(ctx).WithValues("namespace", ns, "name", name)
	emit := func(e Event) {
		if opts.OnEvent != nil {
			e.Namespace, e.Name, e.Time = ns, name, time.Now()
			opts.OnEvent(e)
		}
	}

	for attempt := 1; ; attempt++ {
		plan, err := desired.plan(ctx, api)
		plan.report.Attempts = attempt
		if err != nil {
			if plan.report.Action == "" {
				return nil, err
			}
			return &plan.report, err
		}
		if opts.DryRun || plan.write == writeNone {
			if plan.write == writeNone {
				emit(Event{Type: EventUnchanged, Attempt: attempt})
			} else {
				emit(Event{Type: EventDryRun, Keys: changedKeys(&plan.report), Attempt: attempt})
			}
			logOutcome(log, &plan.report)
			return &plan.report, nil
		}
		err = desired.apply(ctx, api, &plan, attempt, emit)
		if err == nil {
			logOutcome(log, &plan.report)
			return &plan.report, nil
		}
		if !retryable(err) || attempt >= attempts {
			return &plan.report, err
		}
		emit(Event{Type: EventRetry, Attempt: attempt, Err: err})
		log.V(1).Info("secret changed by another writer, retrying", "attempt", attempt)
		if err := wait(ctx, attempt); err != nil {
			return &plan.report, err
		}
	}
}

// plan reads the Secret and decides what to write.
func (d *desiredState) plan(ctx context.Context, api typedcorev1.SecretInterface) (ensurePlan, error) {
	existing, err := api.Get(ctx, d.secret.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return d.planCreate()
	}
	if err != nil {
		return ensurePlan{}, fmt.Errorf("get secret %s/%s: %w", d.secret.Namespace, d.secret.Name, err)
	}
	return d.planUpdate(existing)
}

// apply writes the plan and records the new resource version.
func (d *desiredState) apply(ctx context.Context, api typedcorev1.SecretInterface, plan *ensurePlan, attempt int, emit func(Event)) error {
	ns, name := d.secret.Namespace, d.secret.Name
	keys := changedKeys(&plan.report)
	switch plan.write {
	case writeCreate:
		created, err := api.Create(ctx, plan.secret, metav1.CreateOptions{FieldManager: d.opts.FieldManager})
		if err != nil {
			return fmt.Errorf("create secret %s/%s: %w", ns, name, err)
		}
		plan.report.ResourceVersion = created.ResourceVersion
		emit(Event{Type: EventCreated, Keys: keys, Attempt: attempt})
	case writeUpdate:
		updated, err := api.Update(ctx, plan.secret, metav1.UpdateOptions{FieldManager: d.opts.FieldManager})
		if err != nil {
			return fmt.Errorf("update secret %s/%s: %w", ns, name, err)
		}
		plan.report.ResourceVersion = updated.ResourceVersion
		emit(Event{Type: EventUpdated, Keys: keys, Attempt: attempt})
	case writeRecreate:
		// Delete only the version that was read: if someone changed it since,
		// the precondition fails with a conflict and the loop reads again.
		uid, rv := plan.readUID, plan.readResourceVersion
		err := api.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		if err != nil {
			return fmt.Errorf("delete secret %s/%s to recreate it: %w", ns, name, err)
		}
		emit(Event{Type: EventDeleted, Attempt: attempt})
		created, err := api.Create(ctx, plan.secret, metav1.CreateOptions{FieldManager: d.opts.FieldManager})
		if apierrors.IsAlreadyExists(err) {
			// Another writer created it in between; merge into theirs.
			return fmt.Errorf("create secret %s/%s after deleting it: %w", ns, name, err)
		}
		if err != nil {
			return &RecreateError{Namespace: ns, Name: name, Err: err}
		}
		plan.report.ResourceVersion = created.ResourceVersion
		emit(Event{Type: EventCreated, Keys: keys, Attempt: attempt})
	}
	return nil
}

// retryable reports whether another attempt, after reading again, may
// succeed: the Secret changed (conflict), appeared (already exists) or
// vanished (not found) between read and write.
func retryable(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err)
}

func wait(ctx context.Context, attempt int) error {
	delay := min(10*time.Millisecond<<(attempt-1), time.Second)
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func changedKeys(r *EnsureReport) []string {
	keys := append(append(append([]string{}, r.Added...), r.Regenerated...), r.Deleted...)
	if len(keys) == 0 {
		return nil
	}
	return keys
}

func logOutcome(log logr.Logger, r *EnsureReport) {
	log.V(1).Info("secret ensured", "action", r.Action, "dryRun", r.DryRun,
		"added", r.Added, "regenerated", r.Regenerated, "deleted", r.Deleted,
		"attempts", r.Attempts)
}
