package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Hash returns the 10-character content hash that kubectl create secret
// --append-hash (and kustomize's secretGenerator) appends to a Secret's name:
// the SHA-256 of the JSON object {"data", "immutable" (only when set),
// "kind": "Secret", "name", "type"} with keys in that sorted order, its first
// ten hex digits, with 0, 1, 3, a and e replaced by g, h, k, m and t so that
// no words form (k8s.io/kubectl pkg/util/hash). stringData is not hashed,
// as in kubectl: build Secrets with data.
func Hash(secret *corev1.Secret) (string, error) {
	if secret == nil {
		return "", &InputError{Field: "secret", Reason: "is nil"}
	}
	fields := map[string]any{
		"kind": "Secret",
		"type": secret.Type,
		"name": secret.Name,
		"data": secret.Data,
	}
	if secret.Immutable != nil {
		fields["immutable"] = *secret.Immutable
	}
	encoded, err := json.Marshal(fields) // sorts map keys
	if err != nil {
		return "", fmt.Errorf("encode secret for hashing: %w", err)
	}
	sum := sha256.Sum256(encoded)
	return hashReplacer.Replace(hex.EncodeToString(sum[:5])), nil
}

var hashReplacer = strings.NewReplacer("0", "g", "1", "h", "3", "k", "a", "m", "e", "t")

// AppendHash renames secret to name-hash, with Hash computed from its current
// name, as kubectl create secret --append-hash does. Content-hashed names
// suit immutable Secrets: a change of content is a new Secret, and the
// workloads that reference it roll.
func AppendHash(secret *corev1.Secret) error {
	h, err := Hash(secret)
	if err != nil {
		return err
	}
	secret.Name = secret.Name + "-" + h
	return nil
}
