package certs_test

import (
	"github.com/kubeprim/kubeprim/certs"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
// DESIGN.md names these without signatures; the ones here are today's.
var (
	_ func(certs.CAOptions) (*certs.CA, error)                  = certs.NewCA
	_ func(certs.PKIOptions) (*certs.PKI, error)                = certs.NewPKI
	_ func(*certs.PKI, string) error                            = (*certs.PKI).WriteDir
	_ func(string) (*certs.PKI, error)                          = certs.LoadPKI
	_ func(string, certs.InspectOptions) (*certs.Report, error) = certs.Inspect
)
