package fakecluster

import (
	"container/heap"
	"sync"
	"time"
)

// clock runs functions at given times on one goroutine, with the time
// package's timers, so that inside a testing/synctest bubble it follows the
// bubble's fake clock.
type clock struct {
	mu    sync.Mutex
	queue timerQueue
	seq   uint64
	wake  chan struct{}
	quit  chan struct{}
	done  chan struct{}
}

type timerItem struct {
	at  time.Time
	seq uint64
	fn  func()
}

type timerQueue []timerItem

func (q timerQueue) Len() int { return len(q) }
func (q timerQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q timerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *timerQueue) Push(x any)   { *q = append(*q, x.(timerItem)) }
func (q *timerQueue) Pop() any {
	old := *q
	item := old[len(old)-1]
	*q = old[:len(old)-1]
	return item
}

func newClock() *clock {
	return &clock{wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// after schedules fn to run d from now; functions due at the same time run
// in the order they were scheduled.
func (k *clock) after(d time.Duration, fn func()) {
	k.mu.Lock()
	k.seq++
	heap.Push(&k.queue, timerItem{at: time.Now().Add(d), seq: k.seq, fn: fn})
	k.mu.Unlock()
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

func (k *clock) run() {
	defer close(k.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		k.mu.Lock()
		var due []func()
		now := time.Now()
		for k.queue.Len() > 0 && !k.queue[0].at.After(now) {
			due = append(due, heap.Pop(&k.queue).(timerItem).fn)
		}
		wait := time.Duration(-1)
		if k.queue.Len() > 0 {
			wait = k.queue[0].at.Sub(now)
		}
		k.mu.Unlock()
		for _, fn := range due {
			fn()
		}
		if len(due) > 0 {
			continue
		}
		var fire <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-k.quit:
			timer.Stop()
			return
		case <-k.wake:
			timer.Stop()
		case <-fire:
		}
	}
}

// stop ends the goroutine and waits for it; pending functions never run.
func (k *clock) stop() {
	close(k.quit)
	<-k.done
}
