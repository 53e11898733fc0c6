package drain

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

// listChunk is the page size of lists, as kubectl's default.
const listChunk = 500

func (r *run) getNode(ctx context.Context, name string) (*corev1.Node, error) {
	var node *corev1.Node
	err := retryQuick(ctx, newBackoff(r.opts.MinRetryInterval, r.opts.MaxRetryInterval), func() error {
		var err error
		node, err = r.api.getNode(ctx, name)
		return err
	}, nil)
	switch {
	case apierrors.IsNotFound(err):
		return nil, &NodeError{Node: name, Err: ErrNodeNotFound}
	case err != nil:
		return nil, &NodeError{Node: name, Err: fmt.Errorf("get node: %w", err)}
	}
	return node, nil
}

// nodePodSelector selects a node's pods on the server. Fakes that ignore it
// are covered by the mirror's keep function.
func nodePodSelector(nodeName string) string {
	return fields.OneTermEqualSelector("spec.nodeName", nodeName).String()
}

// listNodePods lists the pods bound to the node, page by page, and returns
// them with the list's resourceVersion.
func listNodePods(ctx context.Context, a *api, nodeName string, selector labels.Selector) ([]*corev1.Pod, string, error) {
	opts := metav1.ListOptions{FieldSelector: nodePodSelector(nodeName), LabelSelector: selector.String(), Limit: listChunk}
	var pods []*corev1.Pod
	for {
		list, err := a.listPods(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		for i := range list.Items {
			pod := &list.Items[i]
			if pod.Spec.NodeName == nodeName && selector.Matches(labels.Set(pod.Labels)) {
				pods = append(pods, pod)
			}
		}
		if list.Continue == "" {
			return pods, list.ResourceVersion, nil
		}
		opts.Continue = list.Continue
	}
}

// newPodMirror keeps the node's pods, keyed by UID so that a same-named
// replacement is a different pod.
func (r *run) newPodMirror(nodeName string) *mirror[*corev1.Pod] {
	m := &mirror[*corev1.Pod]{
		kind: "pods on node " + nodeName,
		list: func(ctx context.Context) ([]*corev1.Pod, string, error) {
			return listNodePods(ctx, r.api, nodeName, r.selector)
		},
		watch: func(ctx context.Context, rv string) (watch.Interface, error) {
			return r.api.watchPods(ctx, metav1.ListOptions{
				FieldSelector:       nodePodSelector(nodeName),
				LabelSelector:       r.selector.String(),
				ResourceVersion:     rv,
				AllowWatchBookmarks: true,
			})
		},
		key: podKey,
		keep: func(p *corev1.Pod) bool {
			return p.Spec.NodeName == nodeName && r.selector.Matches(labels.Set(p.Labels))
		},
		minRetry: r.opts.MinRetryInterval,
		maxRetry: r.opts.MaxRetryInterval,
	}
	m.init()
	return m
}
