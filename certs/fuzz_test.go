package certs

import (
	"bytes"
	"encoding/pem"
	"testing"
)

// fuzzSeeds are valid PEM of every kind this package reads, plus broken
// variants, made once for all fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	ca, err := NewCA(CAOptions{CommonName: "fuzz-ca", Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := ca.Issue(CertOptions{CommonName: "leaf", Profile: ProfilePeer, DNSNames: []string{"a.example"}, Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, kt := range []KeyType{KeyECDSAP256, KeyEd25519, KeyRSA2048} {
		key, err := GenerateKey(kt)
		if err != nil {
			f.Fatal(err)
		}
		for _, format := range []KeyFormat{PKCS8, Traditional} {
			k, err := EncodePrivateKeyAs(key, format)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, k)
		}
		pub, err := EncodePublicKey(key.Public())
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, pub)
	}
	csr, _, err := NewCSR(CSROptions{CommonName: "jane", Organization: []string{"dev"}, DNSNames: []string{"x.example"}})
	if err != nil {
		f.Fatal(err)
	}
	leafKey, err := leaf.KeyPEM()
	if err != nil {
		f.Fatal(err)
	}
	combined := append(leaf.ChainPEM(), append(ca.CertPEM(), leafKey...)...)
	seeds = append(seeds, ca.CertPEM(), leaf.CertPEM(), combined, csr,
		combined[:len(combined)/2],
		bytes.ReplaceAll(combined, []byte("CERTIFICATE"), []byte("PRIVATE KEY")),
		pem.EncodeToMemory(&pem.Block{Type: BlockEncryptedPrivateKey, Bytes: []byte{1, 2, 3}}),
		pem.EncodeToMemory(&pem.Block{Type: BlockCertificate, Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{0x30, 0x00}}),
		[]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"),
		nil, []byte("garbage"))
	return seeds
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParsePrivateKeyPEM(data, DecodeOptions{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		again, err := EncodePrivateKey(key)
		if err != nil {
			t.Fatalf("a parsed key does not encode: %v", err)
		}
		back, err := ParsePrivateKeyPEM(again, DecodeOptions{})
		if err != nil || CheckKeyPair(key.Public(), back) != nil {
			t.Fatalf("key does not round-trip: %v", err)
		}
	})
}

func FuzzParseCertificatesPEM(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificatesPEM(data, DecodeOptions{MaxBytes: 1 << 16, MaxBlocks: 16})
		if err != nil {
			return
		}
		back, err := ParseCertificatesPEM(EncodeCertificates(certs...), DecodeOptions{})
		if err != nil || len(back) != len(certs) {
			t.Fatalf("certificates do not round-trip: %v", err)
		}
	})
}

func FuzzParsePublicKeyPEM(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := ParsePublicKeyPEM(data, DecodeOptions{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		if _, err := EncodePublicKey(pub); err != nil {
			t.Fatalf("a parsed public key does not encode: %v", err)
		}
	})
}

func FuzzParseCSRPEM(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	ca, err := NewCA(CAOptions{CommonName: "fuzz-signer", Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := ParseCSRPEM(data, DecodeOptions{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		if csr.CheckSignature() != nil {
			t.Fatal("ParseCSRPEM returned a request whose signature does not verify")
		}
		cert, err := ca.SignCSR(data, SignPolicy{Profile: ProfileClient, AllowDNSName: AllowAny[string], Now: fixedNow})
		if err == nil && cert.IsCA {
			t.Fatal("a CSR made a CA")
		}
	})
}

func FuzzInspectPEM(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		report, err := InspectPEM(data, InspectOptions{Now: fixedNow, Purpose: ProfileServer, Hosts: []string{"a.example", "10.0.0.1"}, Decode: DecodeOptions{MaxBytes: 1 << 16, MaxBlocks: 16}})
		if err != nil {
			return
		}
		if len(report.Certificates) == 0 {
			t.Fatal("a report without certificates")
		}
		_ = report.Err()
	})
}
