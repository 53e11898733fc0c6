package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/kubeprim/kubeprim/drain"
)

// progress shows a drain as it happens: one line per step when the output
// is a file or a pipe, a single updating progress bar on a terminal.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time

	mu       sync.Mutex
	total    int
	gone     int
	blocked  map[drain.PodRef]string // pod → the budget holding it back
	terminat map[drain.PodRef]bool
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty, start: time.Now(), blocked: map[drain.PodRef]string{}, terminat: map[drain.PodRef]bool{}}
}

// event is the drain's OnEvent hook. The drain never calls it concurrently,
// but the lock keeps finish safe.
func (p *progress) event(e drain.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Type {
	case drain.EventPlanned:
		p.total += e.Plan.Count(drain.ActionEvict) + e.Plan.Count(drain.ActionDelete) + e.Plan.Count(drain.ActionWait)
	case drain.EventBlocked:
		if len(e.Budgets) > 0 {
			p.blocked[e.Pod] = e.Budgets[0]
		}
	case drain.EventTerminating:
		delete(p.blocked, e.Pod)
		p.terminat[e.Pod] = true
	case drain.EventEvicted, drain.EventDeleted, drain.EventCompleted:
		p.gone++
		delete(p.terminat, e.Pod)
	case drain.EventSkipped, drain.EventFailed:
		if p.terminat[e.Pod] || e.Type == drain.EventFailed {
			delete(p.terminat, e.Pod)
			delete(p.blocked, e.Pod)
		}
	}
	if p.tty {
		p.draw()
		return
	}
	if line := describe(e); line != "" {
		fmt.Fprintf(p.w, "%6.1fs  %s\n", time.Since(p.start).Seconds(), line)
	}
}

// describe is the plain line for an event, or "" for events the counters
// cover well enough.
func describe(e drain.Event) string {
	switch e.Type {
	case drain.EventCordoned:
		return fmt.Sprintf("node %s %s", e.Node, e.Message)
	case drain.EventUncordoned:
		return fmt.Sprintf("node %s uncordoned", e.Node)
	case drain.EventEvicting:
		return fmt.Sprintf("evicting %s (attempt %d)", e.Pod, e.Attempt)
	case drain.EventBlocked:
		return fmt.Sprintf("waiting  %s: budget %s: %s", e.Pod, strings.Join(e.Budgets, ", "), e.Message)
	case drain.EventRetrying:
		return fmt.Sprintf("retrying %s: %v", e.Pod, e.Err)
	case drain.EventEvicted:
		return fmt.Sprintf("evicted  %s", e.Pod)
	case drain.EventDeleted:
		return fmt.Sprintf("deleted  %s", e.Pod)
	case drain.EventWaiting:
		return fmt.Sprintf("waiting  %s to complete: %s", e.Pod, e.Message)
	case drain.EventCompleted:
		return fmt.Sprintf("completed %s", e.Pod)
	case drain.EventEscalated:
		return fmt.Sprintf("escalated %s (%s): %s", e.Pod, e.Reason, e.Message)
	case drain.EventSkipped:
		if e.Pod.Name == "" {
			return ""
		}
		return fmt.Sprintf("skipped  %s: %s", e.Pod, e.Message)
	case drain.EventFailed:
		return fmt.Sprintf("FAILED   %s: %v", e.Pod, e.Err)
	case drain.EventWaitingForVolumes:
		return fmt.Sprintf("node %s waits for volumes to detach: %s", e.Node, strings.Join(e.VolumeAttachments, ", "))
	case drain.EventVolumesDetached:
		return fmt.Sprintf("node %s: volumes detached", e.Node)
	case drain.EventDone:
		if e.Err != nil {
			return fmt.Sprintf("node %s NOT drained: %v", e.Node, e.Err)
		}
		return fmt.Sprintf("node %s drained", e.Node)
	}
	return ""
}

// draw redraws the progress bar in place.
func (p *progress) draw() {
	const width = 30
	done := 0
	if p.total > 0 {
		done = p.gone * width / p.total
	}
	budgets := map[string]bool{}
	for _, b := range p.blocked {
		budgets[b] = true
	}
	names := make([]string, 0, len(budgets))
	for b := range budgets {
		names = append(names, b)
	}
	sort.Strings(names)
	line := fmt.Sprintf("[%s%s] %d/%d pods gone, %d terminating", strings.Repeat("#", done), strings.Repeat(".", width-done), p.gone, p.total, len(p.terminat))
	if len(names) > 0 {
		line += fmt.Sprintf(", %d waiting for budget %s", len(p.blocked), strings.Join(names, ", "))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

// finish ends the progress bar's line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
