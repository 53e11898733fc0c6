package secrets_test

import (
	"github.com/kubeprim/kubeprim/secrets"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(uint32, string, string, string, string) (string, error)   = secrets.DerivePassword
	_ func(string, string) (*secrets.Deriver, error)                 = secrets.NewDeriver
	_ func(*secrets.Deriver, string, uint32, string) (string, error) = (*secrets.Deriver).Password
)
