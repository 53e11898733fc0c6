package drain

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Outcome is what finally happened to a pod.
type Outcome string

const (
	// OutcomeEvicted: evicted and gone.
	OutcomeEvicted Outcome = "Evicted"
	// OutcomeDeleted: deleted (by a Filter's choice, an escalation or the
	// timeout policy) and gone.
	OutcomeDeleted Outcome = "Deleted"
	// OutcomeGone: gone before the drain acted on it, or replaced by a
	// same-named pod with another UID.
	OutcomeGone Outcome = "Gone"
	// OutcomeSkipped: left on the node by the rules (DaemonSet, mirror,
	// terminal, opted out, stuck terminating).
	OutcomeSkipped Outcome = "Skipped"
	// OutcomeBlocked: left on the node because the options forbid removing
	// it (no controller, emptyDir data, a Filter).
	OutcomeBlocked Outcome = "Blocked"
	// OutcomeCompleted: a pod the drain waited for completed on its own
	// (phase Succeeded or Failed), without being evicted.
	OutcomeCompleted Outcome = "Completed"
	// OutcomeLeft: left on the node by TimeoutLeave or an
	// EscalationPolicy's Leave step.
	OutcomeLeft Outcome = "Left"
	// OutcomeFailed: the drain gave up on the pod; PodReport.Error says why.
	OutcomeFailed Outcome = "Failed"
	// OutcomeRemaining: still on the node (perhaps terminating) when the
	// drain stopped: deadline, cancellation, or a failure elsewhere.
	OutcomeRemaining Outcome = "Remaining"
)

// Report is what a drain did. It is returned even when the drain fails, and
// marshals to JSON (durations as Go duration strings).
type Report struct {
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Duration time.Duration `json:"-"`
	Nodes    []NodeReport  `json:"nodes"`
	Pods     []PodReport   `json:"pods"`
	// APIRequests is the number of API requests the drain sent; Requests
	// breaks it down by kind ("create eviction", "list pods", ...).
	APIRequests int            `json:"apiRequests"`
	Requests    map[string]int `json:"requests"`
	// Error is the drain's error message, if it failed.
	Error string `json:"error,omitempty"`
}

// NodeReport is what happened to one node.
type NodeReport struct {
	Name string `json:"name"`
	// Cordoned says whether this drain cordoned it (false if it already was).
	Cordoned bool `json:"cordoned"`
	// Uncordoned says whether it was made schedulable again after a failure.
	Uncordoned bool `json:"uncordoned,omitempty"`
	// Drained says whether every pod to remove is gone.
	Drained  bool          `json:"drained"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Duration time.Duration `json:"-"`
	// Blocked is the total time its pods spent waiting for budgets.
	Blocked time.Duration `json:"-"`
	Error   string        `json:"error,omitempty"`

	// VolumeAttachments names the VolumeAttachments the drain waited for
	// (Options.WaitForVolumeDetach), and VolumesDetached is when the last
	// of them was gone (zero if the wait did not end).
	VolumeAttachments []string  `json:"volumeAttachments,omitempty"`
	VolumesDetached   time.Time `json:"volumesDetached,omitzero"`
}

// PodReport is what happened to one pod.
type PodReport struct {
	PodRef
	Node string `json:"node"`
	Tier Tier   `json:"tier"`
	// Order is the pod's order group (Options.Order).
	Order   int     `json:"order,omitempty"`
	Outcome Outcome `json:"outcome"`
	Reason  Reason  `json:"reason,omitempty"`
	// Attempts counts eviction (or deletion) requests.
	Attempts int `json:"attempts"`
	// Blocked is how long budgets kept the pod from being evicted, and
	// BlockedBy which ones.
	Blocked   time.Duration `json:"-"`
	BlockedBy []string      `json:"blockedBy,omitempty"`
	Started   time.Time     `json:"started,omitzero"`
	Finished  time.Time     `json:"finished,omitzero"`
	Error     string        `json:"error,omitempty"`
	// Steps is the audit trail of what the drain did to the pod, in order:
	// the first eviction request, waiting for it to complete, each
	// deletion, leaving it on the node.
	Steps []Step `json:"steps,omitempty"`
}

// Step is one thing the drain did to a pod. Action is ActionEvict (the
// first eviction request), ActionWait (waiting for the pod to complete),
// ActionDelete (a deletion the API server accepted; Message gives its
// grace period) or ActionSkip (the pod left on the node); Reason says why,
// an escalation's reason when one took the step.
type Step struct {
	Time    time.Time `json:"time"`
	Action  Action    `json:"action"`
	Reason  Reason    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
}

// String reads like "Delete (BlockedTooLong)".
func (s Step) String() string {
	if s.Reason == "" {
		return string(s.Action)
	}
	return fmt.Sprintf("%s (%s)", s.Action, s.Reason)
}

type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *jsonDuration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("duration must be a string such as \"1.5s\": %w", err)
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return err
	}
	*d = jsonDuration(parsed)
	return nil
}

// MarshalJSON writes durations as Go duration strings ("1.5s").
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		plain
		Duration jsonDuration `json:"duration"`
	}{plain(r), jsonDuration(r.Duration)})
}

// MarshalJSON writes durations as Go duration strings.
func (n NodeReport) MarshalJSON() ([]byte, error) {
	type plain NodeReport
	return json.Marshal(struct {
		plain
		Duration jsonDuration `json:"duration"`
		Blocked  jsonDuration `json:"blocked"`
	}{plain(n), jsonDuration(n.Duration), jsonDuration(n.Blocked)})
}

// MarshalJSON writes durations as Go duration strings.
func (p PodReport) MarshalJSON() ([]byte, error) {
	type plain PodReport
	return json.Marshal(struct {
		plain
		Blocked jsonDuration `json:"blocked"`
	}{plain(p), jsonDuration(p.Blocked)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Report) UnmarshalJSON(data []byte) error {
	type plain Report
	var in struct {
		plain
		Duration jsonDuration `json:"duration"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = Report(in.plain)
	r.Duration = time.Duration(in.Duration)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (n *NodeReport) UnmarshalJSON(data []byte) error {
	type plain NodeReport
	var in struct {
		plain
		Duration jsonDuration `json:"duration"`
		Blocked  jsonDuration `json:"blocked"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*n = NodeReport(in.plain)
	n.Duration, n.Blocked = time.Duration(in.Duration), time.Duration(in.Blocked)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *PodReport) UnmarshalJSON(data []byte) error {
	type plain PodReport
	var in struct {
		plain
		Blocked jsonDuration `json:"blocked"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*p = PodReport(in.plain)
	p.Blocked = time.Duration(in.Blocked)
	return nil
}

// Count returns how many pods had the outcome.
func (r *Report) Count(outcome Outcome) int {
	n := 0
	for _, p := range r.Pods {
		if p.Outcome == outcome {
			n++
		}
	}
	return n
}

// Pod returns the report of the pod with that namespace and name (the first
// one, if a same-named pod was drained twice).
func (r *Report) Pod(namespace, name string) (PodReport, bool) {
	for _, p := range r.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p, true
		}
	}
	return PodReport{}, false
}

// WriteTable writes one line per pod and a summary per node.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NODE\tNAMESPACE\tPOD\tOUTCOME\tATTEMPTS\tBLOCKED\tDETAIL\n")
	for _, p := range r.Pods {
		detail := p.Error
		if detail == "" && escalated(p.Steps) {
			trail := make([]string, len(p.Steps))
			for i, step := range p.Steps {
				trail[i] = step.String()
			}
			detail = strings.Join(trail, " -> ")
		}
		if detail == "" && len(p.BlockedBy) > 0 {
			detail = "blocked by " + strings.Join(p.BlockedBy, ", ")
		}
		if detail == "" && p.Reason != "" {
			detail = string(p.Reason)
		}
		blocked := "-"
		if p.Blocked > 0 {
			blocked = p.Blocked.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.Node, p.Namespace, p.Name, p.Outcome, p.Attempts, blocked, dash(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Nodes {
		state := "drained"
		switch {
		case !n.Drained && n.Error != "":
			state = "NOT drained: " + n.Error
		case !n.Drained:
			state = "NOT drained: pods were left on it as asked"
		}
		if _, err := fmt.Fprintf(w, "node %s: %s in %v\n", n.Name, state, n.Duration.Round(time.Millisecond)); err != nil {
			return err
		}
	}
	completed := ""
	if n := r.Count(OutcomeCompleted); n > 0 {
		completed = fmt.Sprintf("%d completed, ", n)
	}
	_, err := fmt.Fprintf(w, "%d evicted, %d deleted, %s%d skipped, %d failed or remaining; %d API requests in %v\n",
		r.Count(OutcomeEvicted), r.Count(OutcomeDeleted), completed, r.Count(OutcomeSkipped)+r.Count(OutcomeGone),
		r.Count(OutcomeFailed)+r.Count(OutcomeRemaining)+r.Count(OutcomeBlocked)+r.Count(OutcomeLeft),
		r.APIRequests, r.Duration.Round(time.Millisecond))
	return err
}

// escalated says whether the trail holds a step an escalation or the
// timeout policy took, which the table shows in full.
func escalated(steps []Step) bool {
	for _, s := range steps {
		switch s.Reason {
		case ReasonBlockedTooLong, ReasonUnreadyTooLong, ReasonTerminatingTooLong, ReasonDeadlineNear, ReasonTimeout:
			return true
		}
	}
	return false
}

// String returns the table WriteTable writes.
func (r *Report) String() string {
	var sb strings.Builder
	_ = r.WriteTable(&sb)
	return sb.String()
}

// recorder collects the report while goroutines drain.
type recorder struct {
	mu    sync.Mutex
	nodes map[string]*NodeReport
	pods  map[PodRef]*PodReport
	order []PodRef
}

func newRecorder() *recorder {
	return &recorder{nodes: map[string]*NodeReport{}, pods: map[PodRef]*PodReport{}}
}

func (r *recorder) node(name string, fn func(*NodeReport)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.nodes[name]
	if !ok {
		n = &NodeReport{Name: name}
		r.nodes[name] = n
	}
	fn(n)
}

func (r *recorder) pod(ref PodRef, fn func(*PodReport)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pods[ref]
	if !ok {
		p = &PodReport{PodRef: ref}
		r.pods[ref] = p
		r.order = append(r.order, ref)
	}
	fn(p)
}

// build returns the report with nodes by name and pods in the order they
// were first recorded, per node by name.
func (r *recorder) build(requests *requestCounter) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := &Report{}
	for _, n := range r.nodes {
		rep.Nodes = append(rep.Nodes, *n)
	}
	sort.Slice(rep.Nodes, func(i, j int) bool { return rep.Nodes[i].Name < rep.Nodes[j].Name })
	for _, ref := range r.order {
		rep.Pods = append(rep.Pods, *r.pods[ref])
	}
	sort.SliceStable(rep.Pods, func(i, j int) bool { return rep.Pods[i].Node < rep.Pods[j].Node })
	rep.Requests, rep.APIRequests = requests.snapshot()
	return rep
}
