package drain

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/component-helpers/storage/ephemeral"
)

// Options.WaitForVolumeDetach: after a node's pods are gone, wait until the
// CSI volumes they used are detached from it, as Karpenter's termination
// controller (awaitVolumeDetachment) and cluster-api do. A node deleted
// with its volumes still attached leaves them attached to an instance that
// no longer exists: their replacement pods stay in ContainerCreating with
// FailedAttachVolume / Multi-Attach errors until the attach-detach
// controller gives up on the old node (some 6 minutes).
//
// What is waited for: the VolumeAttachments (storage.k8s.io/v1) whose
// spec.nodeName is the node and whose spec.source.persistentVolumeName is
// the volume of a claim (pod volume -> PVC -> spec.volumeName; generic
// ephemeral volumes included) of a pod the drain removed (evicted, deleted,
// or gone while it waited). Attachments of pods that stay on the node
// (DaemonSet, skipped, left, blocked) are not waited for, since they are
// not detached while those pods run, and neither are those of other nodes
// or of no pod at all. Inline volumes translated by CSI migration
// (spec.source.inlineVolumeSpec) are not waited for: telling which pod
// they belong to needs the in-tree to CSI translation.
//
// The attachments are watched, not polled: one list and one watch of every
// VolumeAttachment (the API offers no field selector on spec.nodeName, so
// they are filtered here) serve every node of a Drain call.

// volumeWatch keeps the VolumeAttachments of the nodes being drained.
type volumeWatch struct {
	attachments *mirror[*storagev1.VolumeAttachment]

	// denied is closed once the watch or a relist is refused for lack of
	// permission; deniedErr says which.
	denied     chan struct{}
	deniedOnce sync.Once
	deniedErr  error
}

func (w *volumeWatch) deny(err error) {
	w.deniedOnce.Do(func() {
		w.deniedErr = err
		close(w.denied)
	})
}

// PermissionError says which permission the drain lacks, and which option
// needs it. It wraps the API server's Forbidden answer.
type PermissionError struct {
	// Verb and Resource are what the drain was refused, such as "watch"
	// and "volumeattachments.storage.k8s.io"; Namespace is empty for a
	// cluster-wide request.
	Verb, Resource, Namespace string
	// Option is the option that needs the permission.
	Option string
	Err    error
}

func (e *PermissionError) Error() string {
	where := "cluster-wide"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	return fmt.Sprintf("%s needs permission to %s %s %s; grant it in the drain's Role/ClusterRole or turn the option off: %v",
		e.Option, e.Verb, e.Resource, where, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// VolumeDetachError reports the VolumeAttachments still on a node when
// Options.Timeout expired while the drain waited for them. The node's pods
// are gone, but it is not reported drained: deleting it now would leave
// these volumes attached to it.
type VolumeDetachError struct {
	Timeout time.Duration
	// Attachments reads like "csi-0123 (pv pvc-42)".
	Attachments []string
}

func (e *VolumeDetachError) Error() string {
	return fmt.Sprintf("timeout of %v expired waiting for %d volumes to detach: %s still attached; see the attachments' status.detachError",
		e.Timeout, len(e.Attachments), strings.Join(e.Attachments, ", "))
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *VolumeDetachError) Is(target error) bool { return target == ErrTimeout }

const (
	waitForVolumeDetach = "Options.WaitForVolumeDetach"
	attachmentsResource = "volumeattachments.storage.k8s.io"
)

// startVolumeWatch lists the VolumeAttachments once and watches them until
// ctx ends, when the options ask for it. It runs before any node is
// cordoned, so a missing permission changes nothing.
func (r *run) startVolumeWatch(ctx context.Context, wg *sync.WaitGroup, nodeNames []string) error {
	if !r.opts.WaitForVolumeDetach {
		return nil
	}
	nodes := make(map[string]bool, len(nodeNames))
	for _, name := range nodeNames {
		nodes[name] = true
	}
	w := &volumeWatch{denied: make(chan struct{})}
	refused := func(verb string, err error) error {
		if apierrors.IsForbidden(err) {
			err = &PermissionError{Verb: verb, Resource: attachmentsResource, Option: waitForVolumeDetach, Err: err}
			w.deny(err)
		}
		return err
	}
	w.attachments = &mirror[*storagev1.VolumeAttachment]{
		kind: "volumeattachments",
		list: func(ctx context.Context) ([]*storagev1.VolumeAttachment, string, error) {
			out, rv, err := listAttachments(ctx, r.api)
			return out, rv, refused("list", err)
		},
		watch: func(ctx context.Context, rv string) (watch.Interface, error) {
			wi, err := r.api.watchVolumeAttachments(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
			return wi, refused("watch", err)
		},
		key:      func(va *storagev1.VolumeAttachment) string { return va.Name },
		keep:     func(va *storagev1.VolumeAttachment) bool { return nodes[va.Spec.NodeName] },
		minRetry: r.opts.MinRetryInterval,
		maxRetry: r.opts.MaxRetryInterval,
	}
	w.attachments.init()
	if err := w.attachments.sync(ctx); err != nil {
		return err
	}
	r.volumes = w
	wg.Go(func() { w.attachments.run(ctx) })
	return nil
}

// listAttachments lists every VolumeAttachment, page by page, and returns
// them with the list's resourceVersion.
func listAttachments(ctx context.Context, a *api) ([]*storagev1.VolumeAttachment, string, error) {
	opts := metav1.ListOptions{Limit: listChunk}
	var out []*storagev1.VolumeAttachment
	for {
		list, err := a.listVolumeAttachments(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
		if list.Continue == "" {
			return out, list.ResourceVersion, nil
		}
		opts.Continue = list.Continue
	}
}

// nodeVolumes is one node's part of the wait: which claims its pods use,
// and which volumes those claims are bound to.
type nodeVolumes struct {
	node *nodeRun

	mu sync.Mutex
	// claims holds, per pod key, the "namespace/name" of its claims, for
	// every pod seen on the node (removed pods are gone from the mirror).
	claims map[string][]string
	// volumes holds the PV each claim is bound to ("" when unbound or
	// missing).
	volumes map[string]string
}

// newNodeVolumes returns nil when the options do not ask for the wait. It
// must be called before the node's pods are first listed.
func (n *nodeRun) newNodeVolumes() *nodeVolumes {
	if n.run.volumes == nil {
		return nil
	}
	v := &nodeVolumes{node: n, claims: map[string][]string{}, volumes: map[string]string{}}
	n.pods.onUpdate = v.sawPod
	return v
}

// sawPod is called by the pod mirror, under its lock.
func (v *nodeVolumes) sawPod(pod *corev1.Pod) {
	claims := podClaims(pod)
	if len(claims) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.claims[podKey(pod)] = claims
}

// podClaims returns the "namespace/name" of the claims of the pod's
// volumes, generic ephemeral ones included.
func podClaims(pod *corev1.Pod) []string {
	var out []string
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		switch {
		case vol.PersistentVolumeClaim != nil:
			out = append(out, pod.Namespace+"/"+vol.PersistentVolumeClaim.ClaimName)
		case vol.Ephemeral != nil:
			out = append(out, pod.Namespace+"/"+ephemeral.VolumeClaimName(pod, vol))
		}
	}
	return out
}

// prepare reads the claims of the pods about to be removed, before any is:
// a generic ephemeral claim goes with its pod, and a missing permission is
// better found before the node is emptied.
func (v *nodeVolumes) prepare(ctx context.Context, tasks []*podTask) error {
	if v == nil {
		return nil
	}
	keys := make([]string, len(tasks))
	for i, t := range tasks {
		keys[i] = t.ref.key()
	}
	return v.resolve(ctx, v.claimsOf(keys))
}

func (v *nodeVolumes) claimsOf(podKeys []string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for _, k := range podKeys {
		out = append(out, v.claims[k]...)
	}
	return out
}

// resolve reads the claims not read yet.
func (v *nodeVolumes) resolve(ctx context.Context, claims []string) error {
	for _, claim := range claims {
		v.mu.Lock()
		_, known := v.volumes[claim]
		v.mu.Unlock()
		if known {
			continue
		}
		volume, err := v.node.run.claimVolume(ctx, claim)
		if err != nil {
			return err
		}
		v.mu.Lock()
		v.volumes[claim] = volume
		v.mu.Unlock()
	}
	return nil
}

// claimVolume returns the volume the claim ("namespace/name") is bound
// to: "" when it is unbound or does not exist, as nothing is attached for
// it then.
func (r *run) claimVolume(ctx context.Context, claim string) (string, error) {
	namespace, name, _ := strings.Cut(claim, "/")
	var pvc *corev1.PersistentVolumeClaim
	err := retryQuick(ctx, newBackoff(r.opts.MinRetryInterval, r.opts.MaxRetryInterval), func() error {
		var err error
		pvc, err = r.api.getClaim(ctx, namespace, name)
		return err
	}, nil)
	switch {
	case err == nil:
		return pvc.Spec.VolumeName, nil
	case apierrors.IsNotFound(err):
		return "", nil
	case apierrors.IsForbidden(err):
		return "", &PermissionError{Verb: "get", Resource: "persistentvolumeclaims", Namespace: namespace, Option: waitForVolumeDetach, Err: err}
	default:
		return "", fmt.Errorf("get persistentvolumeclaim %s: %w", claim, err)
	}
}

// removedOutcome says whether the drain took the pod off the node.
func removedOutcome(o Outcome) bool {
	return o == OutcomeEvicted || o == OutcomeDeleted || o == OutcomeGone
}

// targets returns the volumes to wait for: those of the claims of pods the
// drain removed, less those still used by a pod on the node (a claim binds
// one volume, so comparing claims is enough).
func (v *nodeVolumes) targets(ctx context.Context) (map[string]bool, error) {
	n := v.node
	var removed []string
	n.run.rec.mu.Lock()
	for ref, p := range n.run.rec.pods {
		if p.Node == n.name && removedOutcome(p.Outcome) {
			removed = append(removed, ref.key())
		}
	}
	n.run.rec.mu.Unlock()
	claims := v.claimsOf(removed)
	// Pods that came late were not read before they went.
	if err := v.resolve(ctx, claims); err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, pod := range n.pods.snapshot() {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue // its volumes are detached like a removed pod's
		}
		for _, c := range podClaims(pod) {
			held[c] = true
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]bool{}
	for _, c := range claims {
		if pv := v.volumes[c]; pv != "" && !held[c] {
			out[pv] = true
		}
	}
	return out, nil
}

// pending returns the names of the node's attachments of the volumes, and
// their descriptions ("name (pv volume)"), sorted.
func (v *nodeVolumes) pending(volumes map[string]bool) (names, described []string) {
	// One snapshot for both lists: the watch may delete an attachment at
	// any moment.
	volumeOf := map[string]string{}
	for _, va := range v.node.run.volumes.attachments.snapshot() {
		pv := va.Spec.Source.PersistentVolumeName
		if va.Spec.NodeName != v.node.name || pv == nil || !volumes[*pv] {
			continue
		}
		names = append(names, va.Name)
		volumeOf[va.Name] = *pv
	}
	sort.Strings(names)
	for _, name := range names {
		described = append(described, fmt.Sprintf("%s (pv %s)", name, volumeOf[name]))
	}
	return names, described
}

// wait returns once no attachment of a removed pod's volume is left on the
// node. nodeCtx carries the node's deadline, ctx the caller's.
func (v *nodeVolumes) wait(ctx, nodeCtx context.Context) error {
	if v == nil {
		return nil
	}
	n, w := v.node, v.node.run.volumes
	volumes, err := v.targets(nodeCtx)
	if err != nil {
		return err
	}
	var waited, last []string
	for {
		changed := w.attachments.changes()
		names, described := v.pending(volumes)
		for _, name := range names {
			if !containsString(waited, name) {
				waited = append(waited, name)
			}
		}
		if len(names) == 0 {
			sort.Strings(waited)
			detached := time.Now()
			n.run.rec.node(n.name, func(nr *NodeReport) { nr.VolumeAttachments, nr.VolumesDetached = waited, detached })
			n.run.events.emit(Event{Type: EventVolumesDetached, Node: n.name, VolumeAttachments: waited,
				Message: fmt.Sprintf("%d volume attachments of removed pods are gone", len(waited))})
			return nil
		}
		if !slices.Equal(names, last) {
			last = names
			n.run.events.emit(Event{Type: EventWaitingForVolumes, Node: n.name, VolumeAttachments: names,
				Message: "waiting for volumes to detach: " + strings.Join(described, ", ")})
		}
		select {
		case <-changed:
		case <-w.denied:
			return w.deniedErr
		case <-nodeCtx.Done():
			n.run.rec.node(n.name, func(nr *NodeReport) { nr.VolumeAttachments = waited })
			if ctx.Err() == nil && context.Cause(nodeCtx) == errTimeoutCause {
				return &VolumeDetachError{Timeout: n.run.opts.Timeout, Attachments: described}
			}
			return fmt.Errorf("waiting for volumes to detach (%s still attached): %w", strings.Join(described, ", "), context.Cause(nodeCtx))
		}
	}
}
