package fakecluster

import (
	"fmt"
	"math/rand/v2"

	"k8s.io/apimachinery/pkg/types"
)

// nameAlphabet is the alphabet of the suffixes Kubernetes generates
// (apimachinery's util/rand): no vowels, no confusable characters.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// suffixLocked returns a 5-character suffix like the ones the ReplicaSet
// controller and generateName produce. It is derived from a counter, so a
// cluster built the same way names its pods the same way.
func (c *Cluster) suffixLocked() string {
	r := rand.New(rand.NewPCG(c.nextSeq(), 0x6b75626570726d))
	b := make([]byte, 5)
	for i := range b {
		b[i] = nameAlphabet[r.IntN(len(nameAlphabet))]
	}
	return string(b)
}

// uidLocked returns a UID in the API server's UUID format, unique in the
// cluster and reproducible like the names.
func (c *Cluster) uidLocked() types.UID {
	r := rand.New(rand.NewPCG(c.nextSeq(), 0x756964))
	a, b := r.Uint64(), r.Uint64()
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0x0fff, (b>>48)&0x3fff|0x8000, b&0xffffffffffff))
}
