package certs

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkNewPKI measures the whole kubeadm tree (3 CAs, 7 leaves, sa key).
// Target for ECDSA P-256: at most 50 ms on a 2-core machine.
func BenchmarkNewPKI(b *testing.B) {
	for _, kt := range []KeyType{KeyECDSAP256, KeyEd25519, KeyECDSAP384} {
		b.Run(string(kt), func(b *testing.B) {
			for b.Loop() {
				if _, err := NewPKI(PKIOptions{NodeName: "cp-1", KeyType: kt}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewPKIRSA shows RSA key generation spread across cores: compare
// procs=1 with procs=GOMAXPROCS.
func BenchmarkNewPKIRSA(b *testing.B) {
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("RSA-2048/procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for b.Loop() {
				if _, err := NewPKI(PKIOptions{NodeName: "cp-1", KeyType: KeyRSA2048}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
