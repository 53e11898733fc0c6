package fakecluster

import (
	"fmt"
	"hash/fnv"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeprim/kubeprim/internal/manifest"
)

// Load returns a cluster holding the objects of a multi-document YAML (or
// JSON) manifest, brought to the state a control plane would bring them
// to: each Deployment gets its ReplicaSet, each ReplicaSet,
// ReplicationController, StatefulSet and Job its pods, each DaemonSet a pod
// on every node it fits, and pods without a node are placed; these pods
// start Running and Ready. Budgets' statuses are then computed.
func Load(r io.Reader, opts Options) (*Cluster, error) {
	objs, err := manifest.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("fakecluster: %w", err)
	}
	c, err := NewWithOptions(opts, objs...)
	if err != nil {
		return nil, err
	}
	c.Clientset.Lock()
	defer c.Clientset.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startWorkloadsLocked()
	c.absorbLocked()
	return c, nil
}

// startWorkloadsLocked creates what the workload controllers would create,
// in a stable order so that a manifest always gives the same cluster.
func (c *Cluster) startWorkloadsLocked() {
	for _, obj := range c.objectsLocked(deploymentsResource, "") {
		c.startDeploymentLocked(obj.(*appsv1.Deployment))
		c.absorbLocked()
	}
	for _, obj := range c.objectsLocked(replicaSetsResource, "") {
		rs := obj.(*appsv1.ReplicaSet)
		c.fillLocked(rs, rs.Namespace, replicas(rs.Spec.Replicas), &rs.Spec.Template, func(int) string { return rs.Name + "-" + c.suffixLocked() })
	}
	for _, obj := range c.objectsLocked(rcsResource, "") {
		rc := obj.(*corev1.ReplicationController)
		if rc.Spec.Template != nil {
			c.fillLocked(rc, rc.Namespace, replicas(rc.Spec.Replicas), rc.Spec.Template, func(int) string { return rc.Name + "-" + c.suffixLocked() })
		}
	}
	for _, obj := range c.objectsLocked(statefulSetResource, "") {
		sts := obj.(*appsv1.StatefulSet)
		c.fillLocked(sts, sts.Namespace, replicas(sts.Spec.Replicas), &sts.Spec.Template, func(i int) string { return fmt.Sprintf("%s-%d", sts.Name, i) })
	}
	for _, obj := range c.objectsLocked(jobsResource, "") {
		job := obj.(*batchv1.Job)
		if !jobFinished(job) {
			c.fillLocked(job, job.Namespace, replicas(job.Spec.Parallelism), &job.Spec.Template, func(int) string { return job.Name + "-" + c.suffixLocked() })
		}
	}
	for _, obj := range c.objectsLocked(daemonSetsResource, "") {
		ds := obj.(*appsv1.DaemonSet)
		for _, n := range c.objectsLocked(nodesResource, "") {
			node := n.(*corev1.Node).Name
			if c.hasPodOnLocked(ds.UID, node) {
				continue
			}
			pod := c.templatePodLocked(ds, ds.Namespace, ds.Name+"-"+c.suffixLocked(), &ds.Spec.Template)
			if c.fitsLocked(pod, node) {
				c.createRunningLocked(pod, node)
			}
		}
	}
	for _, obj := range c.objectsLocked(podsResource, "") {
		pod := obj.(*corev1.Pod)
		if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
			continue
		}
		if node := c.placeLocked(pod); node != "" {
			next := pod.DeepCopy()
			c.bindReady(next, node)
			_ = c.tracker.Update(podsResource, next, next.Namespace)
			c.absorbLocked()
		}
	}
}

// startDeploymentLocked gives a Deployment without a ReplicaSet its
// ReplicaSet, named and labelled with a pod-template-hash.
func (c *Cluster) startDeploymentLocked(d *appsv1.Deployment) {
	for _, obj := range c.objectsLocked(replicaSetsResource, d.Namespace) {
		if ref := metav1.GetControllerOf(obj.(*appsv1.ReplicaSet)); ref != nil && ref.UID == d.UID {
			return
		}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(d.Namespace + "/" + d.Name))
	hash := fmt.Sprintf("%x", h.Sum32())
	template := d.Spec.Template.DeepCopy()
	if template.Labels == nil {
		template.Labels = map[string]string{}
	}
	template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	selector := d.Spec.Selector.DeepCopy()
	if selector == nil {
		selector = &metav1.LabelSelector{}
	}
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: d.Namespace, Name: d.Name + "-" + hash, UID: c.uidLocked(),
			Labels:          template.Labels,
			OwnerReferences: []metav1.OwnerReference{controllerRef(d, "apps/v1", "Deployment")},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: selector, Template: *template},
	}
	_ = c.tracker.Create(replicaSetsResource, rs, rs.Namespace)
}

func controllerRef(obj metav1.Object, apiVersion, kind string) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(), Controller: &yes, BlockOwnerDeletion: &yes}
}

// fillLocked creates the controller's missing pods, Running and Ready.
func (c *Cluster) fillLocked(owner runtime.Object, namespace string, want int32, template *corev1.PodTemplateSpec, name func(i int) string) {
	m := owner.(metav1.Object)
	have := int32(0)
	taken := map[string]bool{}
	for _, obj := range c.objectsLocked(podsResource, namespace) {
		pod := obj.(*corev1.Pod)
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.UID == m.GetUID() {
			have++
			taken[pod.Name] = true
		}
	}
	for i := 0; have < want; i++ {
		podName := name(i)
		if taken[podName] {
			continue
		}
		pod := c.templatePodLocked(owner, namespace, podName, template)
		if node := c.placeLocked(pod); node != "" {
			c.createRunningLocked(pod, node)
		} else {
			c.startPodLocked(pod, "")
		}
		have++
	}
}

// templatePodLocked builds a pod of the controller from its template.
func (c *Cluster) templatePodLocked(owner runtime.Object, namespace, name string, template *corev1.PodTemplateSpec) *corev1.Pod {
	m := owner.(metav1.Object)
	gvk := owner.GetObjectKind().GroupVersionKind()
	apiVersion, kind := gvk.GroupVersion().String(), gvk.Kind
	if kind == "" {
		apiVersion, kind = kindOf(owner)
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: name, UID: c.uidLocked(),
			Labels: copyMap(template.Labels), Annotations: copyMap(template.Annotations),
			OwnerReferences: []metav1.OwnerReference{controllerRef(m, apiVersion, kind)},
		},
		Spec: *template.Spec.DeepCopy(),
	}
}

func kindOf(obj runtime.Object) (string, string) {
	switch obj.(type) {
	case *appsv1.ReplicaSet:
		return "apps/v1", "ReplicaSet"
	case *appsv1.StatefulSet:
		return "apps/v1", "StatefulSet"
	case *appsv1.DaemonSet:
		return "apps/v1", "DaemonSet"
	case *batchv1.Job:
		return "batch/v1", "Job"
	case *corev1.ReplicationController:
		return "v1", "ReplicationController"
	}
	return "v1", fmt.Sprintf("%T", obj)
}

func (c *Cluster) hasPodOnLocked(owner types.UID, node string) bool {
	for _, obj := range c.objectsLocked(podsResource, "") {
		pod := obj.(*corev1.Pod)
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.UID == owner && pod.Spec.NodeName == node {
			return true
		}
	}
	return false
}

// createRunningLocked creates a pod already Running and Ready on node: the
// state the cluster starts in.
func (c *Cluster) createRunningLocked(pod *corev1.Pod, node string) {
	c.bindReady(pod, node)
	if c.tracker.Create(podsResource, pod, pod.Namespace) == nil {
		c.managed[pod.UID] = true
	}
	c.absorbLocked()
}

// bindReady binds a pod and makes it Ready at once.
func (c *Cluster) bindReady(pod *corev1.Pod, node string) {
	c.bind(pod, node)
	for i := range pod.Status.Conditions {
		pod.Status.Conditions[i].Status = corev1.ConditionTrue
	}
}
