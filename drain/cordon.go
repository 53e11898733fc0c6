package drain

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// CordonOptions configures Cordon and Uncordon. The zero value only toggles
// spec.unschedulable.
type CordonOptions struct {
	// Taint, when set, is added by Cordon and removed by Uncordon (matched by
	// key and effect). Its effect must be NoSchedule or NoExecute.
	Taint *corev1.Taint
}

// Cordon marks the node unschedulable (and adds the taint, if any). It is
// idempotent: a node already in that state is not written, and changed is
// false. Conflicts and transient API errors are retried.
func Cordon(ctx context.Context, client kubernetes.Interface, nodeName string, opts CordonOptions) (changed bool, err error) {
	if err := checkCordonOptions(client, nodeName, opts); err != nil {
		return false, err
	}
	return setCordon(ctx, newAPI(client, nil), nodeName, true, opts.Taint, nil)
}

// Uncordon makes the node schedulable again (and removes the taint, if
// any). It is idempotent like Cordon.
func Uncordon(ctx context.Context, client kubernetes.Interface, nodeName string, opts CordonOptions) (changed bool, err error) {
	if err := checkCordonOptions(client, nodeName, opts); err != nil {
		return false, err
	}
	return setCordon(ctx, newAPI(client, nil), nodeName, false, opts.Taint, nil)
}

func checkCordonOptions(client kubernetes.Interface, nodeName string, opts CordonOptions) error {
	if client == nil {
		return &OptionsError{Field: "client", Reason: "is nil"}
	}
	if nodeName == "" {
		return &OptionsError{Field: "node name", Reason: "is empty"}
	}
	_, _, err := Options{Taint: opts.Taint}.validate()
	return err
}

// setCordon brings the node to the wanted state with as few writes as
// possible. Without a taint the patch carries no resourceVersion, so the
// kubelet's status updates never make it conflict; with a taint the list is
// replaced whole and the resourceVersion guards against a concurrent edit.
func setCordon(ctx context.Context, a *api, nodeName string, cordon bool, taint *corev1.Taint, node *corev1.Node) (bool, error) {
	b := newBackoff(100*time.Millisecond, 2*time.Second)
	for attempt := 1; ; attempt++ {
		if node == nil {
			err := retryQuick(ctx, b, func() error {
				var err error
				node, err = a.getNode(ctx, nodeName)
				return err
			}, nil)
			if apierrors.IsNotFound(err) {
				return false, fmt.Errorf("node %s: %w", nodeName, ErrNodeNotFound)
			}
			if err != nil {
				return false, fmt.Errorf("get node %s: %w", nodeName, err)
			}
		}
		patch, needed, err := cordonPatch(node, cordon, taint)
		if err != nil || !needed {
			return false, err
		}
		err = retryQuick(ctx, b, func() error {
			return a.patchNode(ctx, nodeName, types.MergePatchType, patch)
		}, nil)
		switch {
		case err == nil:
			return true, nil
		case apierrors.IsConflict(err) && attempt < maxQuickAttempts:
			// Someone else changed the node (or the taints) since we read
			// it: read again and recompute.
			node = nil
			if err := sleep(ctx, b.step()); err != nil {
				return false, err
			}
		case apierrors.IsNotFound(err):
			return false, fmt.Errorf("node %s: %w", nodeName, ErrNodeNotFound)
		default:
			return false, fmt.Errorf("patch node %s: %w", nodeName, err)
		}
	}
}

// cordonPatch returns the JSON merge patch that takes node to the wanted
// state, and whether one is needed at all.
func cordonPatch(node *corev1.Node, cordon bool, taint *corev1.Taint) ([]byte, bool, error) {
	spec := map[string]any{}
	if node.Spec.Unschedulable != cordon {
		if cordon {
			spec["unschedulable"] = true
		} else {
			spec["unschedulable"] = nil
		}
	}
	patch := map[string]any{"spec": spec}
	if taint != nil {
		present := -1
		for i, t := range node.Spec.Taints {
			if t.Key == taint.Key && t.Effect == taint.Effect {
				present = i
			}
		}
		var taints []corev1.Taint
		switch {
		case cordon && present < 0:
			taints = append(append(taints, node.Spec.Taints...), *taint)
		case !cordon && present >= 0:
			taints = append(append(taints, node.Spec.Taints[:present]...), node.Spec.Taints[present+1:]...)
		}
		if taints != nil || (!cordon && present >= 0) {
			if taints == nil {
				spec["taints"] = nil
			} else {
				spec["taints"] = taints
			}
			patch["metadata"] = map[string]any{"resourceVersion": node.ResourceVersion}
		}
	}
	if len(spec) == 0 {
		return nil, false, nil
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return nil, false, fmt.Errorf("marshal cordon patch: %w", err)
	}
	return data, true, nil
}
