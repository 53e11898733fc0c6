package drain

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
)

const reqWatchNodes = "watch nodes"

// watchNodes watches nodes.
func (a *api) watchNodes(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	a.requests.add(reqWatchNodes)
	if a.core == nil {
		return a.client.CoreV1().Nodes().Watch(ctx, opts)
	}
	opts.Watch = true
	return a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("nodes").
		VersionedParams(&opts, scheme.ParameterCodec).
		Watch(ctx)
}

// newNodeMirror keeps the node object itself current, for the escalation
// triggers that look at it (NodeUnreachable).
func (r *run) newNodeMirror(nodeName string) *mirror[*corev1.Node] {
	selector := fields.OneTermEqualSelector("metadata.name", nodeName).String()
	m := &mirror[*corev1.Node]{
		kind: "node " + nodeName,
		list: func(ctx context.Context) ([]*corev1.Node, string, error) {
			list, err := r.api.listNodes(ctx, metav1.ListOptions{FieldSelector: selector})
			if err != nil {
				return nil, "", err
			}
			nodes := make([]*corev1.Node, len(list.Items))
			for i := range list.Items {
				nodes[i] = &list.Items[i]
			}
			return nodes, list.ResourceVersion, nil
		},
		watch: func(ctx context.Context, rv string) (watch.Interface, error) {
			return r.api.watchNodes(ctx, metav1.ListOptions{FieldSelector: selector, ResourceVersion: rv, AllowWatchBookmarks: true})
		},
		key:      func(n *corev1.Node) string { return n.Name },
		keep:     func(n *corev1.Node) bool { return n.Name == nodeName },
		minRetry: r.opts.MinRetryInterval,
		maxRetry: r.opts.MaxRetryInterval,
	}
	m.init()
	return m
}

// nodeWatch is the node's own mirror, started only when a pod's
// escalation policy needs it, so that drains without such a policy send
// no request for it.
type nodeWatch struct {
	once   sync.Once
	mirror *mirror[*corev1.Node]
	err    error
}

// watchNodeFor starts watching the node if one of the tasks' policies
// looks at it. It returns once the node has been listed; the watch lives on
// watchCtx. wg is waited for when the node's drain ends.
func (n *nodeRun) watchNodeFor(ctx, watchCtx context.Context, tasks []*podTask, wg *sync.WaitGroup) error {
	needed := false
	for _, t := range tasks {
		p := t.plan.escalation
		if p.Delete.NodeUnreachable > 0 || p.Leave.NodeUnreachable > 0 {
			needed = true
			break
		}
	}
	if !needed {
		return nil
	}
	n.node.once.Do(func() {
		m := n.run.newNodeMirror(n.name)
		if err := m.sync(ctx); err != nil {
			n.node.err = err
			return
		}
		wg.Go(func() { m.run(watchCtx) })
		n.node.mirror = m
	})
	return n.node.err
}

// nodeChanges returns a channel closed at the node's next change, or nil
// when the node is not watched.
func (n *nodeRun) nodeChanges() <-chan struct{} {
	if n.node.mirror == nil {
		return nil
	}
	return n.node.mirror.changes()
}

// unreachableSince says whether the node is unreachable and since when: its
// Ready condition is Unknown, which the node lifecycle controller sets when
// the kubelet stops reporting, from that condition's last transition. A
// node that is not watched, or gone, is not.
func (n *nodeRun) unreachableSince() (time.Time, bool) {
	if n.node.mirror == nil {
		return time.Time{}, false
	}
	node, ok := n.node.mirror.get(n.name)
	if !ok {
		return time.Time{}, false
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionUnknown {
			return c.LastTransitionTime.Time, true
		}
	}
	return time.Time{}, false
}
