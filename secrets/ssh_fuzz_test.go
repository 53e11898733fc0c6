package secrets

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// FuzzSSHAuth feeds SSHAuth private keys from outside: it must not panic,
// and its error must not quote a line of the key.
func FuzzSSHAuth(f *testing.F) {
	secret, _, err := NewSSHAuth(Meta{Name: "seed"}, "seed")
	if err != nil {
		f.Fatal(err)
	}
	key := secret.Data[corev1.SSHAuthPrivateKey]
	f.Add(key)
	f.Add(key[:len(key)/2])
	f.Add(bytes.Replace(key, []byte("OPENSSH PRIVATE KEY"), []byte("PRIVATE KEY"), 2))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := SSHAuth(Meta{Name: "k"}, data)
		if err == nil {
			return
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) >= 16 && !bytes.HasPrefix(line, []byte("-----")) && bytes.Contains([]byte(err.Error()), line) {
				t.Fatalf("error quotes a line of the key: %v", err)
			}
		}
	})
}
