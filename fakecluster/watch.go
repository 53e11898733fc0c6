package fakecluster

import (
	"sort"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

// watcher serves one watch from the cluster's history, as the API server
// does: from a resourceVersion exactly, or from the current state as ADDED
// events; with label and field selectors applied to both the old and the
// new object, so that an object leaving the selection is seen as DELETED.
// Its buffer is unbounded: a slow reader never loses events.
type watcher struct {
	c      *Cluster
	gvr    schema.GroupVersionResource
	ns     string
	labels labels.Selector
	fields fields.Selector
	next   int
	queue  []watch.Event
	result chan watch.Event
	once   sync.Once
	done   chan struct{}
}

func (c *Cluster) reactWatch(action k8stesting.Action) (bool, watch.Interface, error) {
	gvr := action.GetResource()
	if !watched(gvr) {
		return false, nil, nil
	}
	wa, ok := action.(k8stesting.WatchActionImpl)
	if !ok {
		return false, nil, nil
	}
	restrictions := wa.GetWatchRestrictions()
	fieldSel := restrictions.Fields
	if fieldSel == nil {
		fieldSel = fields.Everything()
	}
	if err := checkFieldSelector(gvr, fieldSel); err != nil {
		return true, nil, err
	}
	labelSel := restrictions.Labels
	if labelSel == nil {
		labelSel = labels.Everything()
	}
	w := &watcher{c: c, gvr: gvr, ns: action.GetNamespace(), labels: labelSel, fields: fieldSel,
		result: make(chan watch.Event), done: make(chan struct{})}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		close(w.result)
		return true, w, nil
	}
	switch rv := restrictions.ResourceVersion; rv {
	case "", "0":
		// Start from the current state, sent as ADDED events.
		for _, obj := range c.objectsLocked(gvr, w.ns) {
			if w.matches(obj) {
				w.queue = append(w.queue, watch.Event{Type: watch.Added, Object: obj.DeepCopyObject()})
			}
		}
		w.next = len(c.log)
	default:
		from, err := strconv.ParseUint(rv, 10, 64)
		if err != nil {
			return true, nil, apierrors.NewBadRequest("invalid resourceVersion " + strconv.Quote(rv))
		}
		w.next = sort.Search(len(c.log), func(i int) bool { return c.log[i].rv > from })
	}
	c.watchers[w] = true
	go w.pump()
	return true, w, nil
}

func (w *watcher) matches(obj runtime.Object) bool {
	if obj == nil {
		return false
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	if w.ns != "" && m.GetNamespace() != w.ns {
		return false
	}
	return w.labels.Matches(labels.Set(m.GetLabels())) && w.fields.Matches(fieldSet(w.gvr, obj))
}

// translate turns a history event into what this watch sees, if anything.
func (w *watcher) translate(ev event) (watch.Event, bool) {
	if ev.gvr != w.gvr {
		return watch.Event{}, false
	}
	now, before := w.matches(ev.obj), w.matches(ev.old)
	switch {
	case ev.typ == watch.Deleted && before:
		return watch.Event{Type: watch.Deleted, Object: ev.obj.DeepCopyObject()}, true
	case ev.typ == watch.Deleted:
		return watch.Event{}, false
	case now && before:
		return watch.Event{Type: watch.Modified, Object: ev.obj.DeepCopyObject()}, true
	case now:
		return watch.Event{Type: watch.Added, Object: ev.obj.DeepCopyObject()}, true
	case before:
		return watch.Event{Type: watch.Deleted, Object: ev.obj.DeepCopyObject()}, true
	}
	return watch.Event{}, false
}

// pump moves events to the result channel until Stop or Close.
func (w *watcher) pump() {
	defer close(w.result)
	c := w.c
	for {
		c.mu.Lock()
		for len(w.queue) == 0 && !c.closed && !w.stopped() {
			for w.next < len(c.log) {
				if ev, ok := w.translate(c.log[w.next]); ok {
					w.queue = append(w.queue, ev)
				}
				w.next++
			}
			if len(w.queue) == 0 {
				c.changed.Wait()
			}
		}
		if c.closed || w.stopped() {
			delete(c.watchers, w)
			c.mu.Unlock()
			return
		}
		ev := w.queue[0]
		w.queue = w.queue[1:]
		c.mu.Unlock()
		select {
		case w.result <- ev:
		case <-w.done:
			c.mu.Lock()
			delete(c.watchers, w)
			c.mu.Unlock()
			return
		}
	}
}

func (w *watcher) stopped() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// Stop ends the watch; the result channel is closed soon after.
func (w *watcher) Stop() {
	w.once.Do(func() {
		close(w.done)
		w.c.mu.Lock()
		w.c.changed.Broadcast()
		w.c.mu.Unlock()
	})
}

// ResultChan returns the events.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }
