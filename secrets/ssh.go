package secrets

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
)

// SSHPublicKeyKey is the conventional key for the public half of an ssh-auth
// Secret (mittwald's secret generator and others use it); the API server
// requires only ssh-privatekey.
const SSHPublicKeyKey = "ssh-publickey"

// SSHAuth builds a kubernetes.io/ssh-auth Secret from an unencrypted private
// key in PEM (OpenSSH, PKCS#1, PKCS#8 or SEC 1). The key is stored as given
// under ssh-privatekey, and its authorized_keys line under ssh-publickey. An
// encrypted key is refused: nothing in a cluster could type its passphrase.
func SSHAuth(meta Meta, privateKeyPEM []byte) (*corev1.Secret, error) {
	key, err := ssh.ParseRawPrivateKey(privateKeyPEM)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, &InputError{Field: "ssh private key", Reason: "is encrypted with a passphrase; store an unencrypted key"}
		}
		// The parser's errors name formats, not key bytes.
		return nil, &InputError{Field: "ssh private key", Reason: "does not parse: " + err.Error()}
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, &InputError{Field: "ssh private key", Reason: "is of an unsupported type: " + err.Error()}
	}
	return meta.build(corev1.SecretTypeSSHAuth, map[string][]byte{
		corev1.SSHAuthPrivateKey: bytes.Clone(privateKeyPEM),
		SSHPublicKeyKey:          ssh.MarshalAuthorizedKey(signer.PublicKey()),
	}, nil)
}

// NewSSHAuth generates an Ed25519 key with crypto/rand and builds a
// kubernetes.io/ssh-auth Secret of it: the private key in OpenSSH format
// under ssh-privatekey and its authorized_keys line under ssh-publickey. It
// also returns that line ("ssh-ed25519 AAAA… comment\n") to install on the
// server (a Git host's deploy keys, a bastion's authorized_keys). comment
// may be empty and may not contain a line break.
func NewSSHAuth(meta Meta, comment string) (*corev1.Secret, []byte, error) {
	if strings.ContainsAny(comment, "\r\n") {
		return nil, nil, &InputError{Field: "ssh key comment", Reason: "contains a line break"}
	}
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	defer clear(private)
	block, err := ssh.MarshalPrivateKey(private, comment)
	if err != nil {
		return nil, nil, fmt.Errorf("encode ssh private key: %w", err)
	}
	privatePEM := pem.EncodeToMemory(block)
	clear(block.Bytes)
	sshPublic, err := ssh.NewPublicKey(public)
	if err != nil {
		return nil, nil, fmt.Errorf("encode ssh public key: %w", err)
	}
	line := ssh.MarshalAuthorizedKey(sshPublic)
	if comment != "" {
		line = append(bytes.TrimSuffix(line, []byte("\n")), " "+comment+"\n"...)
	}
	secret, err := meta.build(corev1.SecretTypeSSHAuth, map[string][]byte{
		corev1.SSHAuthPrivateKey: privatePEM,
		SSHPublicKeyKey:          line,
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	return secret, bytes.Clone(line), nil
}
