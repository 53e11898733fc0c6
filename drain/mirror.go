package drain

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

type object interface {
	metav1.Object
	runtime.Object
}

// mirror keeps a local copy of a set of objects current with one list and
// one long watch, instead of polling each object. When the watch ends it
// lists again (one request) rather than trusting a resumed watch, which
// keeps it exact on servers and fakes that cannot replay deletions.
//
// Waiters learn of changes through channels: changes() is closed at the next
// change, gone(key) once the key has disappeared.
type mirror[T object] struct {
	kind  string
	list  func(ctx context.Context) ([]T, string, error)
	watch func(ctx context.Context, resourceVersion string) (watch.Interface, error)
	key   func(T) string
	// keep, when set, drops objects the server should not have sent (a
	// fake that ignores field selectors).
	keep func(T) bool
	// onUpdate, when set, is called under the lock for every object
	// received.
	onUpdate func(obj T)
	// onRelisted, when set, is called under the lock after the list
	// numbered seq (see listStarts) has been applied.
	onRelisted func(seq uint64)

	minRetry, maxRetry time.Duration

	mu      sync.Mutex
	items   map[string]T
	gone    map[string]chan struct{}
	changed chan struct{}
	rv      string
	// listStarts numbers the lists as they start, so that an event known
	// to precede a list's start is known to be reflected in it.
	listStarts uint64
	watching   bool
}

func (m *mirror[T]) init() {
	m.items = map[string]T{}
	m.gone = map[string]chan struct{}{}
	m.changed = make(chan struct{})
}

// sync lists the objects; it must succeed once before run.
func (m *mirror[T]) sync(ctx context.Context) error {
	m.mu.Lock()
	m.listStarts++
	seq := m.listStarts
	m.mu.Unlock()
	var (
		objs []T
		rv   string
	)
	err := retryQuick(ctx, newBackoff(m.minRetry, m.maxRetry), func() error {
		var err error
		objs, rv, err = m.list(ctx)
		return err
	}, func(err error, wait time.Duration) {
		logr.FromContextOrDiscard(ctx).V(1).Info("list failed, retrying", "kind", m.kind, "error", err.Error(), "wait", wait)
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", m.kind, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := make(map[string]T, len(objs))
	for _, obj := range objs {
		if m.keep != nil && !m.keep(obj) {
			continue
		}
		fresh[m.key(obj)] = obj
		if m.onUpdate != nil {
			m.onUpdate(obj)
		}
	}
	for k := range m.items {
		if _, ok := fresh[k]; !ok {
			m.closeGone(k)
		}
	}
	m.items = fresh
	m.rv = rv
	if m.onRelisted != nil {
		m.onRelisted(seq)
	}
	m.broadcast()
	return nil
}

// run watches until ctx ends, listing again whenever the watch ends. A
// list that keeps failing is retried with backoff: waiters see no change in
// the meantime, and their own deadlines decide.
func (m *mirror[T]) run(ctx context.Context) {
	log := logr.FromContextOrDiscard(ctx).WithValues("kind", m.kind)
	b := newBackoff(m.minRetry, m.maxRetry)
	needList := false
	for ctx.Err() == nil {
		if needList {
			if err := m.sync(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Info("relist failed", "error", err.Error())
				_ = sleep(ctx, retryWait(b, err))
				continue
			}
		}
		needList = true
		m.mu.Lock()
		rv := m.rv
		m.mu.Unlock()
		w, err := m.watch(ctx, rv)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.V(1).Info("watch failed", "error", err.Error())
			_ = sleep(ctx, retryWait(b, err))
			continue
		}
		m.setWatching(true)
		if m.consume(ctx, w) {
			b.reset()
		}
		m.setWatching(false)
		w.Stop()
	}
}

func (m *mirror[T]) setWatching(on bool) {
	m.mu.Lock()
	m.watching = on
	m.mu.Unlock()
}

// consume applies events until the watch ends; it reports whether any event
// arrived, so that a watch that closes at once backs off.
func (m *mirror[T]) consume(ctx context.Context, w watch.Interface) bool {
	progressed := false
	for {
		select {
		case <-ctx.Done():
			return progressed
		case ev, ok := <-w.ResultChan():
			if !ok {
				return progressed
			}
			switch ev.Type {
			case watch.Error:
				err := apierrors.FromObject(ev.Object)
				logr.FromContextOrDiscard(ctx).V(1).Info("watch error", "kind", m.kind, "error", err.Error())
				return progressed
			case watch.Bookmark:
				if obj, ok := ev.Object.(T); ok {
					m.mu.Lock()
					m.rv = obj.GetResourceVersion()
					m.mu.Unlock()
				}
				progressed = true
			case watch.Added, watch.Modified, watch.Deleted:
				obj, ok := ev.Object.(T)
				if !ok {
					continue
				}
				progressed = true
				m.apply(ev.Type, obj)
			}
		}
	}
}

func (m *mirror[T]) apply(kind watch.EventType, obj T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rv := obj.GetResourceVersion(); rv != "" {
		m.rv = rv
	}
	k := m.key(obj)
	if kind == watch.Deleted || (m.keep != nil && !m.keep(obj)) {
		if _, ok := m.items[k]; ok {
			delete(m.items, k)
			m.closeGone(k)
			m.broadcast()
		}
		return
	}
	m.items[k] = obj
	if m.onUpdate != nil {
		m.onUpdate(obj)
	}
	m.broadcast()
}

func (m *mirror[T]) broadcast() {
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *mirror[T]) closeGone(k string) {
	if ch, ok := m.gone[k]; ok {
		close(ch)
		delete(m.gone, k)
	}
}

// changes returns a channel closed at the next change.
func (m *mirror[T]) changes() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// waitGone returns a channel closed once the key is absent.
func (m *mirror[T]) waitGone(k string) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[k]; !ok {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	ch, ok := m.gone[k]
	if !ok {
		ch = make(chan struct{})
		m.gone[k] = ch
	}
	return ch
}

func (m *mirror[T]) get(k string) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	obj, ok := m.items[k]
	return obj, ok
}

// snapshot returns the objects held now.
func (m *mirror[T]) snapshot() []T {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]T, 0, len(m.items))
	for _, obj := range m.items {
		out = append(out, obj)
	}
	return out
}
