package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keyForms are the ways fmt, funcr or JSON would spell the secret part of
// key: big integers in decimal and hex, raw bytes as fmt and funcr list
// them, in hex and in base64.
func keyForms(t *testing.T, key crypto.Signer) []string {
	t.Helper()
	var raw []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		require.NoError(t, err)
		raw = b
	case *rsa.PrivateKey:
		return []string{k.D.String(), k.D.Text(16), k.Primes[0].String()}
	case ed25519.PrivateKey:
		raw = k.Seed()
	default:
		t.Fatalf("unexpected key %T", key)
	}
	head := raw[:8]
	var dec []string
	for _, b := range head {
		dec = append(dec, fmt.Sprint(b))
	}
	forms := []string{
		strings.Join(dec, " "), strings.Join(dec, ","), hex.EncodeToString(head),
		base64.StdEncoding.EncodeToString(raw)[:10],
	}
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		// The scalar as a reflective printer shows the D field.
		d := new(big.Int).SetBytes(raw)
		forms = append(forms, d.String(), d.Text(16))
	}
	return forms
}

func TestKeyPairAndCANeverPrintTheKey(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			ca := testCA(t, kt)
			leaf, err := ca.Issue(CertOptions{CommonName: "leaf", Profile: ProfileClient, KeyType: kt, Now: fixedNow})
			require.NoError(t, err)

			var logged strings.Builder
			log := funcr.New(func(prefix, args string) { logged.WriteString(args) }, funcr.Options{})
			log.Info("issued", "ca", ca, "caValue", *ca, "leaf", leaf, "leafValue", *leaf)

			var out []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
				out = append(out, fmt.Sprintf(verb, ca), fmt.Sprintf(verb, *ca), fmt.Sprintf(verb, leaf), fmt.Sprintf(verb, *leaf))
			}
			out = append(out, logged.String())
			// Inside a report that is marshalled, too.
			marshalled, err := json.Marshal(map[string]any{"ca": ca, "caValue": *ca, "leaf": leaf, "leafValue": *leaf})
			require.NoError(t, err)
			out = append(out, string(marshalled))
			assert.Contains(t, string(marshalled), `"subject":"CN=leaf"`)
			all := strings.Join(out, "\n")

			for _, form := range append(keyForms(t, ca.Key), keyForms(t, leaf.Key)...) {
				assert.NotContains(t, all, form)
			}
			assert.Contains(t, fmt.Sprint(leaf), "CN=leaf", "the certificate is still identified")
			assert.Contains(t, logged.String(), "CN=test-ca")
		})
	}
}
