package certs

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// A KeyPair or CA holds a private key. fmt would print an Ed25519 key's
// bytes, and logr sinks that walk pointers (funcr, zapr through JSON) the
// scalars of RSA and ECDSA keys. These methods print the certificate's
// identity instead and never the key, for every fmt verb and every logr
// sink.

// Format prints the certificate's subject, expiry and key type, never the
// private key, whatever the verb.
func (kp KeyPair) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "certs.KeyPair"+describePair(kp))
}

// MarshalLog gives logr sinks the certificate's identity, never the key.
func (kp KeyPair) MarshalLog() any { return pairLog(kp) }

// Format prints the CA certificate's subject, expiry and key type, never
// the private key, whatever the verb.
func (ca CA) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "certs.CA"+describePair(ca.KeyPair))
}

// MarshalLog gives logr sinks the CA certificate's identity, never the key.
func (ca CA) MarshalLog() any { return pairLog(ca.KeyPair) }

// MarshalJSON writes what MarshalLog gives, so that a KeyPair inside a
// report or an event that is marshalled never carries its private key. To
// store a pair, write CertPEM and KeyPEM.
func (kp KeyPair) MarshalJSON() ([]byte, error) { return json.Marshal(pairLog(kp)) }

// MarshalJSON writes the CA certificate's identity, never the key.
func (ca CA) MarshalJSON() ([]byte, error) { return json.Marshal(pairLog(ca.KeyPair)) }

func describePair(kp KeyPair) string {
	l := pairLog(kp)
	return fmt.Sprintf("{Cert: %q, NotAfter: %s, Key: %s, Chain: %d}", l.Subject, l.NotAfter, l.Key, l.Chain)
}

// keyPairLog is what a log shows of a KeyPair.
type keyPairLog struct {
	Subject  string `json:"subject"`
	NotAfter string `json:"notAfter,omitempty"`
	Key      string `json:"key"`
	Chain    int    `json:"chain"`
}

func pairLog(kp KeyPair) keyPairLog {
	l := keyPairLog{Subject: "<nil>", Key: "none", Chain: len(kp.Chain)}
	if c := kp.Cert; c != nil {
		l.Subject = c.Subject.String()
		l.NotAfter = c.NotAfter.UTC().Format(time.RFC3339)
	}
	if kp.Key != nil {
		t, err := KeyTypeOf(kp.Key)
		if err != nil {
			t = "unsupported"
		}
		l.Key = string(t) + " (private, not shown)"
	}
	return l
}
