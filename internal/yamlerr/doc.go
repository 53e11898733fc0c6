// Package yamlerr keeps YAML decoding errors from quoting their input. The
// YAML decoder quotes what it could not decode: the first characters of a
// scalar in backquotes ("cannot unmarshal !!str `eyJhbGc...` into int"),
// a whole non-string map key ("invalid map key: []interface {}{...}"). In
// a kubeconfig that may be a token, a password or client-key-data, so
// certs and kubeconfig pass their decoding errors through Hide.
package yamlerr
