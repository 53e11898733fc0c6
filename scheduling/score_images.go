package scheduling

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ImageLocality's thresholds (imagelocality/image_locality.go).
const (
	mebibyte              int64 = 1024 * 1024
	minImageThreshold     int64 = 23 * mebibyte
	maxContainerThreshold int64 = 1000 * mebibyte
)

// imageState is the scheduler's ImageStateSummary of one image name: its
// size and the nodes that hold it.
type imageState struct {
	size  int64
	nodes []int32
}

// imageIndex returns the images of the nodes by name, built on first use.
// As the scheduler's cache, it keys by every name the node lists for an
// image, takes a name's size from the first node listing it (in snapshot
// order), and counts each node once per name. It is safe for concurrent
// use.
func (s *Simulator) imageIndex() map[string]*imageState {
	s.imageOnce.Do(func() {
		index := map[string]*imageState{}
		for i := range s.nodes {
			for _, img := range s.nodes[i].node.Status.Images {
				for _, name := range img.Names {
					st := index[name]
					if st == nil {
						st = &imageState{size: img.SizeBytes}
						index[name] = st
					}
					if k := len(st.nodes); k == 0 || st.nodes[k-1] != int32(i) {
						st.nodes = append(st.nodes, int32(i))
					}
				}
			}
		}
		s.images = index
	})
	return s.images
}

// imageSums is ImageLocality's sumImageScores for every node: for each init
// container, container and image volume of the pod whose image the node
// holds, the image's size scaled by the share of all nodes holding it. It
// returns nil when no node holds any of them (every sum is then 0).
func (s *Simulator) imageSums(pod *corev1.Pod) []int64 {
	index := s.imageIndex()
	if len(index) == 0 {
		return nil
	}
	var sums []int64
	add := func(image string) {
		st := index[normalizedImageName(image)]
		if st == nil {
			return
		}
		if sums == nil {
			sums = make([]int64, len(s.nodes))
		}
		scaled := int64(float64(st.size) * (float64(len(st.nodes)) / float64(len(s.nodes))))
		for _, i := range st.nodes {
			sums[i] += scaled
		}
	}
	for i := range pod.Spec.InitContainers {
		add(pod.Spec.InitContainers[i].Image)
	}
	for i := range pod.Spec.Containers {
		add(pod.Spec.Containers[i].Image)
	}
	for i := range pod.Spec.Volumes {
		if v := pod.Spec.Volumes[i].Image; v != nil {
			add(v.Reference)
		}
	}
	return sums
}

// imageLocalityScore is calculatePriority: the sum clamped to between 23 MiB
// and 1000 MiB per container, scaled to 0-100.
func imageLocalityScore(sum int64, containers int) int64 {
	maxThreshold := maxContainerThreshold * int64(containers)
	if sum < minImageThreshold {
		sum = minImageThreshold
	} else if sum > maxThreshold {
		sum = maxThreshold
	}
	return maxNodeScore * (sum - minImageThreshold) / (maxThreshold - minImageThreshold)
}

// normalizedImageName adds ":latest" to an image reference without a tag,
// as the plugin does to the pod's images (not to the nodes' names).
func normalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}
