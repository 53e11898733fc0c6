// Package secrets makes Secret values that survive upgrades: passwords
// derived exactly as Helm's derivePassword derives them, unbiased random
// values, Secrets of every standard type that the API server accepts, and
// create-or-keep semantics that never lose a value.
//
// Helm charts generate passwords with randAlphaNum and watch them change on
// every helm upgrade, or read the cluster with lookup, which breaks helm
// template and GitOps renders. This package gives Go tools both ways out: a
// value derived from stable inputs renders the same everywhere, and Ensure
// writes a generated value once and keeps it.
//
// # Derived values
//
// DerivePassword is Master Password algorithm v3, byte-compatible with
// sprig's derivePassword for every input and its six templates (maximum,
// long, medium, short, basic, pin), and adds Master Password's name and
// phrase templates. It returns errors where sprig prints them into the
// "password". NewDeriver runs the costly scrypt once per user; its Password,
// Login and Answer methods then cost an HMAC each.
//
// ObjectDeriver derives a value from a master secret and the coordinates of
// the value (namespace, name, key, counter) with HKDF-SHA256: renders repeat
// without reading the cluster, and rotation is a counter bump. Its algorithm
// is fixed and documented so other tools can reproduce it.
//
// # Random values
//
// Generate draws from crypto/rand with rejection sampling, so every symbol of
// any Alphabet is equally likely; presets are AlphaNumeric, PrintableASCII
// (without the space sprig's randAscii includes), Hex, Base64URL and
// LowerAlphaNumeric, and EntropyBits and LengthFor speak in bits rather than
// characters. The package never imports math/rand.
//
// # Secrets
//
// Opaque and Generic build from literals, files and env files as kubectl
// create secret generic does; TLS, TLSFromX509 and TLSFromKeyPair (for
// package certs' key pairs) check that the key matches the certificate, that
// it is valid now and, given a CA, that it chains to it; DockerConfigJSON
// and DockerCfg write kubectl's JSON for one or many registries; BasicAuth,
// SSHAuth and NewSSHAuth (a new Ed25519 key and its authorized_keys line);
// BootstrapToken in kubeadm's layout; ServiceAccountToken for legacy tokens.
// Every builder validates its result as kube-apiserver 1.36 does (Validate:
// key names, the 1 MiB limit, what each type requires), sets immutable when
// asked, and appends kubectl's --append-hash content hash when asked (Hash).
//
// # Ensure
//
// Ensure creates a Secret when absent and otherwise keeps every existing
// value: it adds only missing keys (their generators run only then), deletes
// nothing unless asked, regenerates only the keys named, retries on
// conflict, refuses to change a Secret of another type or an immutable
// Secret's data unless allowed to delete and recreate it, and can dry-run.
// It returns an EnsureReport that says, key by key, what happened.
//
// # What it does not do
//
// It does not encrypt Secrets for Git (use sealed-secrets or SOPS), does not
// watch or reconcile (run Ensure from your controller or deploy step), does
// not bcrypt (htpasswd), and does not read kubeconfig files.
//
// # Invariants and concurrency
//
// Secret values never appear in errors, events, logs or reports; errors name
// keys and fields. Builders and Ensure never modify their inputs. Deriver and
// ObjectDeriver are safe for concurrent use and wipe their keys on Close;
// all functions are synchronous, and Ensure calls OnEvent from its own
// goroutine.
package secrets
