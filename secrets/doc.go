// Package secrets makes Secret values that survive upgrades: derived
// passwords byte-compatible with Helm's derivePassword, unbiased random
// values, Secrets the API server accepts, and create-or-keep semantics that
// never lose a value.
package secrets
