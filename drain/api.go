package drain

import (
	"context"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// api sends the drain's requests, each one exactly one HTTP request,
// counted in requests.
//
// client-go's REST client repeats on its own, up to ten times, any request
// answered 429 or 5xx with a Retry-After header. The eviction API answers
// 429 with Retry-After 10 while a budget's status is not observed yet (for
// a budget over DaemonSet pods, forever), so one typed Evict call could
// block for some 100 s, uncounted, while the drain neither reacted to its
// watches nor told anyone. Requests built here disable those retries
// (MaxRetries(0)); the drain's own loops retry instead, honouring
// Retry-After and its cause, with their backoff, deadlines and watches.
//
// Requests go through the clientset's REST clients when they are usable,
// and through its typed methods otherwise: client-go's fake clientset has
// no REST client, and makes no HTTP requests to repeat.
type api struct {
	client kubernetes.Interface
	// core and policy are the clientset's REST clients for core/v1 and
	// policy/v1, nil when not usable.
	core, policy rest.Interface
	requests     *requestCounter
}

func newAPI(client kubernetes.Interface, requests *requestCounter) *api {
	return &api{
		client:   client,
		core:     usableREST(client.CoreV1().RESTClient()),
		policy:   usableREST(client.PolicyV1().RESTClient()),
		requests: requests,
	}
}

// usableREST returns c unless it is nil or a nil pointer, as the fake
// clientset's RESTClient methods return.
func usableREST(c rest.Interface) rest.Interface {
	if c == nil {
		return nil
	}
	if v := reflect.ValueOf(c); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return c
}

func (a *api) getNode(ctx context.Context, name string) (*corev1.Node, error) {
	a.requests.add(reqGetNode)
	if a.core == nil {
		return a.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	}
	node := &corev1.Node{}
	err := a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("nodes").Name(name).
		VersionedParams(&metav1.GetOptions{}, scheme.ParameterCodec).
		Do(ctx).Into(node)
	return node, err
}

func (a *api) patchNode(ctx context.Context, name string, patchType types.PatchType, patch []byte) error {
	a.requests.add(reqPatchNode)
	if a.core == nil {
		_, err := a.client.CoreV1().Nodes().Patch(ctx, name, patchType, patch, metav1.PatchOptions{})
		return err
	}
	return a.core.Patch(patchType).UseProtobufAsDefault().MaxRetries(0).
		Resource("nodes").Name(name).
		VersionedParams(&metav1.PatchOptions{}, scheme.ParameterCodec).
		Body(patch).
		Do(ctx).Error()
}

func (a *api) listNodes(ctx context.Context, opts metav1.ListOptions) (*corev1.NodeList, error) {
	a.requests.add(reqListNodes)
	if a.core == nil {
		return a.client.CoreV1().Nodes().List(ctx, opts)
	}
	list := &corev1.NodeList{}
	err := a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("nodes").
		VersionedParams(&opts, scheme.ParameterCodec).
		Do(ctx).Into(list)
	return list, err
}

// listPods lists pods of every namespace.
func (a *api) listPods(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	a.requests.add(reqListPods)
	if a.core == nil {
		return a.client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, opts)
	}
	list := &corev1.PodList{}
	err := a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("pods").
		VersionedParams(&opts, scheme.ParameterCodec).
		Do(ctx).Into(list)
	return list, err
}

// watchPods watches pods of every namespace.
func (a *api) watchPods(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	a.requests.add(reqWatchPods)
	if a.core == nil {
		return a.client.CoreV1().Pods(metav1.NamespaceAll).Watch(ctx, opts)
	}
	opts.Watch = true
	return a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("pods").
		VersionedParams(&opts, scheme.ParameterCodec).
		Watch(ctx)
}

// listBudgets lists budgets of every namespace.
func (a *api) listBudgets(ctx context.Context, opts metav1.ListOptions) (*policyv1.PodDisruptionBudgetList, error) {
	a.requests.add(reqListBudgets)
	if a.policy == nil {
		return a.client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, opts)
	}
	list := &policyv1.PodDisruptionBudgetList{}
	err := a.policy.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("poddisruptionbudgets").
		VersionedParams(&opts, scheme.ParameterCodec).
		Do(ctx).Into(list)
	return list, err
}

// watchBudgets watches budgets of every namespace.
func (a *api) watchBudgets(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	a.requests.add(reqWatchBudgets)
	if a.policy == nil {
		return a.client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).Watch(ctx, opts)
	}
	opts.Watch = true
	return a.policy.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("poddisruptionbudgets").
		VersionedParams(&opts, scheme.ParameterCodec).
		Watch(ctx)
}

// evict posts the eviction, as the typed Evict does, once.
func (a *api) evict(ctx context.Context, eviction *policyv1.Eviction) error {
	a.requests.add(reqEvict)
	if a.policy == nil {
		return a.client.PolicyV1().Evictions(eviction.Namespace).Evict(ctx, eviction)
	}
	return a.policy.Post().MaxRetries(0).
		AbsPath("/api/v1").Namespace(eviction.Namespace).
		Resource("pods").Name(eviction.Name).SubResource("eviction").
		Body(eviction).
		Do(ctx).Error()
}

func (a *api) deletePod(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) error {
	a.requests.add(reqDeletePod)
	if a.core == nil {
		return a.client.CoreV1().Pods(namespace).Delete(ctx, name, opts)
	}
	return a.core.Delete().UseProtobufAsDefault().MaxRetries(0).
		Namespace(namespace).Resource("pods").Name(name).
		Body(&opts).
		Do(ctx).Error()
}
