package fakecluster

import (
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// reactLocked is the controllers' response to one change.
func (c *Cluster) reactLocked(ev event) {
	switch ev.gvr {
	case podsResource:
		pod := ev.obj.(*corev1.Pod)
		old, _ := ev.old.(*corev1.Pod)
		startedTerminating := ev.typ != watch.Deleted && pod.DeletionTimestamp != nil && (old == nil || old.DeletionTimestamp == nil)
		if ev.typ == watch.Deleted || startedTerminating {
			c.replaceLocked(pod, ev.typ == watch.Deleted)
		}
		if ev.typ == watch.Deleted {
			c.placeUnplacedLocked()
			c.detachLocked(pod)
		}
	case nodesResource:
		c.placeUnplacedLocked()
	}
}

// replaceLocked does what the pod's controller does when the pod starts
// terminating or is gone: a ReplicaSet, ReplicationController or Job
// creates a new pod (new name, new UID) as soon as the old one terminates;
// a StatefulSet recreates the same name once the old pod is gone; a
// DaemonSet recreates its pod on the same node if it still tolerates it.
// Controllers that are not in the cluster do nothing, as on a real one.
func (c *Cluster) replaceLocked(pod *corev1.Pod, gone bool) {
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return
	}
	switch ref.Kind {
	case "ReplicaSet":
		obj, ok := c.getLocked(replicaSetsResource, pod.Namespace, ref.Name)
		if rs, _ := obj.(*appsv1.ReplicaSet); ok && rs.UID == ref.UID {
			c.scaleLocked(pod, *ref, replicas(rs.Spec.Replicas), &rs.Spec.Template)
		}
	case "ReplicationController":
		obj, ok := c.getLocked(rcsResource, pod.Namespace, ref.Name)
		if rc, _ := obj.(*corev1.ReplicationController); ok && rc.UID == ref.UID {
			c.scaleLocked(pod, *ref, replicas(rc.Spec.Replicas), rc.Spec.Template)
		}
	case "Job":
		obj, ok := c.getLocked(jobsResource, pod.Namespace, ref.Name)
		job, _ := obj.(*batchv1.Job)
		if !ok || job.UID != ref.UID || pod.Status.Phase == corev1.PodSucceeded || jobFinished(job) {
			return
		}
		c.scaleLocked(pod, *ref, replicas(job.Spec.Parallelism), &job.Spec.Template)
	case "StatefulSet":
		obj, ok := c.getLocked(statefulSetResource, pod.Namespace, ref.Name)
		sts, _ := obj.(*appsv1.StatefulSet)
		if !gone || !ok || sts.UID != ref.UID {
			return
		}
		ordinal, err := strconv.Atoi(strings.TrimPrefix(pod.Name, sts.Name+"-"))
		if err != nil || int32(ordinal) >= replicas(sts.Spec.Replicas) {
			return
		}
		if _, exists := c.getLocked(podsResource, pod.Namespace, pod.Name); exists {
			return
		}
		c.startPodLocked(c.podFromLocked(pod, pod.Name, &sts.Spec.Template), "")
	case "DaemonSet":
		obj, ok := c.getLocked(daemonSetsResource, pod.Namespace, ref.Name)
		ds, _ := obj.(*appsv1.DaemonSet)
		if !gone || !ok || ds.UID != ref.UID || pod.Spec.NodeName == "" {
			return
		}
		next := c.podFromLocked(pod, ds.Name+"-"+c.suffixLocked(), &ds.Spec.Template)
		c.startPodLocked(next, pod.Spec.NodeName)
	}
}

func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

func jobFinished(job *batchv1.Job) bool {
	for _, cond := range job.Status.Conditions {
		if (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed) && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// scaleLocked creates pods until the controller has want active pods
// (neither terminating nor finished), modelled on the pod that went away.
func (c *Cluster) scaleLocked(model *corev1.Pod, ref metav1.OwnerReference, want int32, template *corev1.PodTemplateSpec) {
	var active int32
	for _, obj := range c.objectsLocked(podsResource, model.Namespace) {
		pod := obj.(*corev1.Pod)
		owner := metav1.GetControllerOf(pod)
		if owner == nil || owner.UID != ref.UID || pod.DeletionTimestamp != nil ||
			pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		active++
	}
	for ; active < want; active++ {
		c.startPodLocked(c.podFromLocked(model, ref.Name+"-"+c.suffixLocked(), template), "")
	}
}

// podFromLocked builds a new pod for the model's controller: the
// template's spec when it has containers, else the model's.
func (c *Cluster) podFromLocked(model *corev1.Pod, name string, template *corev1.PodTemplateSpec) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         model.Namespace,
			Name:              name,
			UID:               c.uidLocked(),
			Labels:            copyMap(model.Labels),
			Annotations:       copyMap(model.Annotations),
			OwnerReferences:   append([]metav1.OwnerReference(nil), model.OwnerReferences...),
			CreationTimestamp: metav1.NewTime(time.Now().Truncate(time.Second)),
		},
		Spec: *model.Spec.DeepCopy(),
	}
	if template != nil && len(template.Spec.Containers) > 0 {
		pod.Labels = copyMap(template.Labels)
		pod.Annotations = copyMap(template.Annotations)
		pod.Spec = *template.Spec.DeepCopy()
	}
	pod.Spec.NodeName = ""
	return pod
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// startPodLocked creates the pod, bound to node when given (a DaemonSet's
// choice), else to the node the scheduler would pick; it stays Pending when
// none fits, until a node frees up. A bound pod runs at once and turns
// Ready after Options.ReadyDelay.
func (c *Cluster) startPodLocked(pod *corev1.Pod, node string) {
	if node == "" {
		node = c.placeLocked(pod)
	} else if !c.fitsLocked(pod, node) {
		return
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	if node != "" {
		c.bind(pod, node)
	}
	if err := c.tracker.Create(podsResource, pod, pod.Namespace); err != nil {
		return
	}
	c.managed[pod.UID] = true
	if node != "" {
		c.boundLocked(pod)
	}
	if node == "" {
		c.unplaced[types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}] = true
		return
	}
	c.readyLater(pod)
}

// bind puts the pod on the node and starts its containers.
func (c *Cluster) bind(pod *corev1.Pod, node string) {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	pod.Spec.NodeName = node
	pod.Status.Phase = corev1.PodRunning
	pod.Status.StartTime = &now
	ready := corev1.ConditionFalse
	if c.opts.ReadyDelay == 0 {
		ready = corev1.ConditionTrue
	}
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: ready, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: now},
	}
}

// readyLater turns the pod Ready after Options.ReadyDelay, if it is still
// the same pod and not terminating.
func (c *Cluster) readyLater(pod *corev1.Pod) {
	if c.opts.ReadyDelay == 0 {
		return
	}
	namespace, name, uid := pod.Namespace, pod.Name, pod.UID
	c.after(c.opts.ReadyDelay, func() {
		obj, ok := c.getLocked(podsResource, namespace, name)
		current, _ := obj.(*corev1.Pod)
		if !ok || current.UID != uid || current.DeletionTimestamp != nil {
			return
		}
		next := current.DeepCopy()
		now := metav1.NewTime(time.Now().Truncate(time.Second))
		for i := range next.Status.Conditions {
			if t := next.Status.Conditions[i].Type; t == corev1.PodReady || t == corev1.ContainersReady {
				next.Status.Conditions[i].Status = corev1.ConditionTrue
				next.Status.Conditions[i].LastTransitionTime = now
			}
		}
		_ = c.tracker.Update(podsResource, next, namespace)
	})
}

// placeUnplacedLocked binds the pending replacement pods that fit now.
func (c *Cluster) placeUnplacedLocked() {
	keys := make([]types.NamespacedName, 0, len(c.unplaced))
	for k := range c.unplaced {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		// The tracker, not the history: a pod created in this very pass is
		// not absorbed yet.
		obj, err := c.tracker.Get(podsResource, k.Namespace, k.Name)
		pod, _ := obj.(*corev1.Pod)
		if err != nil || pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
			delete(c.unplaced, k)
			continue
		}
		node := c.placeLocked(pod)
		if node == "" {
			continue
		}
		delete(c.unplaced, k)
		next := pod.DeepCopy()
		c.bind(next, node)
		if c.tracker.Update(podsResource, next, k.Namespace) == nil {
			c.boundLocked(next)
			c.readyLater(next)
		}
	}
}

// placeLocked returns the node the scheduler binds the pod to (its filters,
// its default scoring, ties to the first node by name), or "" if none fits.
func (c *Cluster) placeLocked(pod *corev1.Pod) string {
	sim := c.simLocked()
	if sim == nil {
		return ""
	}
	decision, err := sim.Schedule(pod)
	if err != nil {
		return ""
	}
	return decision.Node
}

// fitsLocked says whether a pod bound by its controller (a DaemonSet's)
// passes the node's filters; DaemonSet pods tolerate the cordon, as the
// DaemonSet controller adds that toleration.
func (c *Cluster) fitsLocked(pod *corev1.Pod, node string) bool {
	sim := c.simLocked()
	if sim == nil {
		return false
	}
	probe := pod.DeepCopy()
	probe.Spec.Tolerations = append(probe.Spec.Tolerations, corev1.Toleration{
		Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule,
	})
	return sim.Filter(probe, node).IsSuccess()
}
