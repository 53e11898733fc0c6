package drain_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

// volumeCluster adds to cluster a database whose volume, pv-data, is
// attached to worker-1, where its pod runs.
const volumeCluster = `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres, resources: {requests: {cpu: 100m}}}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec: {accessModes: [ReadWriteOnce], volumeName: pv-data}
status: {phase: Bound}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: csi-4f1c}
spec: {attacher: ebs.csi.aws.com, nodeName: worker-1, source: {persistentVolumeName: pv-data}}
status: {attached: true}
`

// WaitForVolumeDetach makes the drain of a node about to be deleted end
// only once the volumes of the pods it evicted are detached from it, so
// that their replacements can attach them elsewhere at once.
func ExampleOptions_waitForVolumeDetach() {
	c, err := fakecluster.Load(strings.NewReader(cluster+volumeCluster),
		fakecluster.Options{DetachDelay: 100 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	d, err := drain.New(c, drain.Options{
		WaitForVolumeDetach: true,
		Timeout:             time.Minute,
		OnEvent: func(e drain.Event) {
			switch e.Type {
			case drain.EventWaitingForVolumes, drain.EventVolumesDetached:
				fmt.Printf("%s: %s\n", e.Type, e.Message)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := d.Drain(context.Background(), "worker-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	node := report.Nodes[0]
	fmt.Println("drained:", node.Drained, "after detaching", node.VolumeAttachments)
	// Output:
	// WaitingForVolumes: waiting for volumes to detach: csi-4f1c (pv pv-data)
	// VolumesDetached: 1 volume attachments of removed pods are gone
	// drained: true after detaching [csi-4f1c]
}
