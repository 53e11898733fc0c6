// Package kubeconfig builds, loads, checks and writes kubeconfig files, and
// makes kubeconfigs for ServiceAccounts in one verified call.
//
// # Building
//
// New, ForToken, ForTokenFile, ForClientCertificate and
// ForClientCertificateFiles build a kubeconfig with one cluster, one user and
// one context named "<user>@<cluster>", the current one, as kubeadm names
// them. Inline data is checked when the config is built: the CA must be PEM
// certificates and a client certificate must match its key.
//
// # Writing
//
// Write stores a kubeconfig atomically (temporary file in the same directory,
// fsync, rename, fsync of the directory) with mode 0600, also when the file
// existed with wider permissions, which client-go's clientcmd.WriteToFile
// leaves as they were. Nothing half-written is ever left on disk.
//
// # Secrets
//
// Tokens, passwords and private keys never appear in this package's errors,
// logs or events.
//
// This package works on client-go's clientcmd/api types, so its results go
// straight to clientcmd and kubectl.
package kubeconfig
