package drain

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/types"
)

// Plan is what a drain of one node would do, computed without changing
// anything. It marshals to JSON and prints as a table (WriteTable, String).
type Plan struct {
	Node string `json:"node"`
	// Unschedulable says whether the node was already cordoned.
	Unschedulable bool `json:"unschedulable"`
	// Pods lists every pod on the node (matching Options.PodSelector), in
	// the order the drain handles them: by tier, then order group, then
	// namespace and name.
	Pods []PodPlan `json:"pods"`
	// Budgets are the budgets that cover pods of the node, with the status
	// the disruption controller last wrote.
	Budgets []BudgetState `json:"budgets,omitempty"`
	// Findings are the lint findings on those budgets: the reasons a
	// budget may block this drain, or every drain.
	Findings []Finding `json:"findings,omitempty"`

	// VolumeAttachments names the node's VolumeAttachments a drain with
	// Options.WaitForVolumeDetach would wait for, once its pods are gone.
	VolumeAttachments []string `json:"volumeAttachments,omitempty"`
}

// PodPlan is the plan for one pod.
type PodPlan struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
	Action    Action    `json:"action"`
	Reason    Reason    `json:"reason"`
	// Message adds detail: the controller, the blocking budget's counts,
	// why no other node fits.
	Message string `json:"message,omitempty"`
	Tier    Tier   `json:"tier"`
	// Order is the pod's order group within its tier (Options.Order).
	Order int `json:"order,omitempty"`
	// Budgets names the budgets (in the pod's namespace) covering the pod.
	Budgets []string `json:"budgets,omitempty"`
	// Escalation describes the pod's EscalationPolicy, if it has one.
	Escalation string `json:"escalation,omitempty"`

	escalation EscalationPolicy
}

// Ref returns the pod's reference.
func (p PodPlan) Ref() PodRef { return PodRef{Namespace: p.Namespace, Name: p.Name, UID: p.UID} }

// BudgetState is a budget's status as last written by the disruption
// controller, and how many of the node's pods it covers.
type BudgetState struct {
	Namespace          string `json:"namespace"`
	Name               string `json:"name"`
	ExpectedPods       int32  `json:"expectedPods"`
	DesiredHealthy     int32  `json:"desiredHealthy"`
	CurrentHealthy     int32  `json:"currentHealthy"`
	DisruptionsAllowed int32  `json:"disruptionsAllowed"`
	// PodsOnNode counts the node's pods it covers.
	PodsOnNode int `json:"podsOnNode"`
}

// String reads like "web: 3 healthy, needs 2, allows 1".
func (b BudgetState) String() string {
	return fmt.Sprintf("%s: %d healthy, needs %d, allows %d", b.Name, b.CurrentHealthy, b.DesiredHealthy, b.DisruptionsAllowed)
}

// Finding is one lint finding (pdb.Lint) on a budget that covers pods of
// the node, or a note on what the plan could not check (Budget empty).
type Finding struct {
	Namespace string `json:"namespace,omitempty"`
	Budget    string `json:"budget,omitempty"`
	// Kind is pdb's FindingKind, such as NeverAllowsDisruption.
	Kind     string `json:"kind,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Count returns how many pods get the action.
func (p *Plan) Count(action Action) int {
	n := 0
	for _, pod := range p.Pods {
		if pod.Action == action {
			n++
		}
	}
	return n
}

// Drainable says whether the drain can finish as things are: no pod is
// blocked.
func (p *Plan) Drainable() bool { return p.Count(ActionBlocked) == 0 }

// budget returns the state of a budget by namespace and name.
func (p *Plan) budget(namespace, name string) (BudgetState, bool) {
	for _, b := range p.Budgets {
		if b.Namespace == namespace && b.Name == name {
			return b, true
		}
	}
	return BudgetState{}, false
}

// WriteTable writes the plan as an aligned table: one line per pod, then the
// budgets and findings, then a summary line. An ORDER column follows TIER
// when pods are in different order groups.
func (p *Plan) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	ordered := false
	for _, pod := range p.Pods {
		ordered = ordered || pod.Order != 0
	}
	order := func(pod PodPlan) string {
		if !ordered {
			return ""
		}
		return strconv.Itoa(pod.Order) + "\t"
	}
	if ordered {
		fmt.Fprintf(tw, "NAMESPACE\tPOD\tTIER\tORDER\tACTION\tREASON\tBUDGET\tDETAIL\n")
	} else {
		fmt.Fprintf(tw, "NAMESPACE\tPOD\tTIER\tACTION\tREASON\tBUDGET\tDETAIL\n")
	}
	for _, pod := range p.Pods {
		budgets := make([]string, 0, len(pod.Budgets))
		for _, name := range pod.Budgets {
			if b, ok := p.budget(pod.Namespace, name); ok {
				budgets = append(budgets, b.String())
			} else {
				budgets = append(budgets, name)
			}
		}
		detail := pod.Message
		if pod.Escalation != "" {
			detail = joinMessage(detail, pod.Escalation)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t%s\t%s\t%s\n", pod.Namespace, pod.Name, pod.Tier, order(pod), pod.Action, pod.Reason,
			dash(strings.Join(budgets, "; ")), dash(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range p.Findings {
		subject := ""
		if f.Budget != "" {
			subject = "budget " + f.Namespace + "/" + f.Budget + ": "
		}
		if _, err := fmt.Fprintf(w, "%s: %s%s\n", f.Severity, subject, f.Message); err != nil {
			return err
		}
	}
	if len(p.VolumeAttachments) > 0 {
		noun := "volume attachments"
		if len(p.VolumeAttachments) == 1 {
			noun = "volume attachment"
		}
		if _, err := fmt.Fprintf(w, "then waits for %d %s to detach: %s\n",
			len(p.VolumeAttachments), noun, strings.Join(p.VolumeAttachments, ", ")); err != nil {
			return err
		}
	}
	state := "schedulable"
	if p.Unschedulable {
		state = "cordoned"
	}
	_, err := fmt.Fprintf(w, "node %s (%s): %d to evict, %d to delete, %d to wait for, %d skipped, %d blocked\n",
		p.Node, state, p.Count(ActionEvict), p.Count(ActionDelete), p.Count(ActionWait), p.Count(ActionSkip), p.Count(ActionBlocked))
	return err
}

// String returns the table WriteTable writes.
func (p *Plan) String() string {
	var sb strings.Builder
	_ = p.WriteTable(&sb)
	return sb.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
