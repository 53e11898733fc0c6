package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
)

// objectDerivationSalt separates this derivation from every other use of the
// same master secret. Changing it changes every derived value.
const objectDerivationSalt = "kubeprim.io/secrets/object/v1"

// MinMasterSecretLength is the shortest master secret NewObjectDeriver takes:
// 16 bytes, 128 bits when random.
const MinMasterSecretLength = 16

// ValueRef names one value of one Secret: the inputs, besides the master
// secret and a counter, of a derived value.
type ValueRef struct {
	Namespace string
	Name      string
	Key       string
}

// ObjectDeriver derives stable per-object values from one master secret: the
// value of key Key of Secret Namespace/Name at a counter is always the same,
// so a render (helm template, a GitOps controller, a dry run) produces it
// again without reading the cluster, and rotation is a counter bump. Values
// for different references, counters, alphabets or lengths are independent:
// knowing some tells nothing about others or about the master secret.
//
// The derivation, fixed so that other implementations can reproduce it:
//
//	prk  = HKDF-Extract(SHA-256, salt = "kubeprim.io/secrets/object/v1", ikm = master secret)
//	info = salt || str(namespace) || str(name) || str(key) || BE32(counter)
//	       || str(alphabet symbols as UTF-8) || BE32(length)
//	okm  = HKDF-Expand(SHA-256, prk, info, 32)
//	value: symbols drawn from alphabet by GenerateFrom's rejection sampling,
//	       reading the AES-256-CTR key stream of okm with a zero IV
//
// where str(s) is BE32(len(s)) || s. An ObjectDeriver is safe for concurrent
// use; Close wipes its key.
type ObjectDeriver struct {
	mu  sync.RWMutex
	prk []byte
}

// NewObjectDeriver keeps the HKDF pseudorandom key of masterSecret, which must
// be at least MinMasterSecretLength bytes (a random key, not a password: there
// is no slow hash here; for passwords use Deriver).
func NewObjectDeriver(masterSecret []byte) (*ObjectDeriver, error) {
	if len(masterSecret) < MinMasterSecretLength {
		return nil, &LengthError{What: "master secret", Length: len(masterSecret), Min: MinMasterSecretLength, Max: MaxSecretSize}
	}
	prk, err := hkdf.Extract(sha256.New, masterSecret, []byte(objectDerivationSalt))
	if err != nil {
		return nil, fmt.Errorf("hkdf extract: %w", err)
	}
	return &ObjectDeriver{prk: prk}, nil
}

// Value derives the value of ref at counter: length symbols of alphabet.
func (d *ObjectDeriver) Value(ref ValueRef, counter uint32, alphabet Alphabet, length int) (string, error) {
	if err := alphabet.validate(); err != nil {
		return "", err
	}
	if err := checkValueLength(length); err != nil {
		return "", err
	}
	if ref.Key == "" {
		return "", &InputError{Field: "value reference", Reason: "has no key"}
	}
	stream, err := d.stream(ref, counter, alphabet, length)
	if err != nil {
		return "", err
	}
	return GenerateFrom(stream, alphabet, length)
}

func (d *ObjectDeriver) stream(ref ValueRef, counter uint32, alphabet Alphabet, length int) (*keyStream, error) {
	info := make([]byte, 0, len(objectDerivationSalt)+24+len(ref.Namespace)+len(ref.Name)+len(ref.Key)+len(alphabet.symbols))
	info = append(info, objectDerivationSalt...)
	info = appendString(info, ref.Namespace)
	info = appendString(info, ref.Name)
	info = appendString(info, ref.Key)
	info = binary.BigEndian.AppendUint32(info, counter)
	info = appendString(info, alphabet.String())
	info = binary.BigEndian.AppendUint32(info, uint32(length))

	d.mu.RLock()
	if d.prk == nil {
		d.mu.RUnlock()
		return nil, ErrClosed
	}
	okm, err := hkdf.Expand(sha256.New, d.prk, string(info), 32)
	d.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("hkdf expand: %w", err)
	}
	defer clear(okm)
	block, err := aes.NewCipher(okm)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return &keyStream{ctr: cipher.NewCTR(block, make([]byte, aes.BlockSize))}, nil
}

// keyStream reads the AES-CTR key stream: encrypting zeros.
type keyStream struct{ ctr cipher.Stream }

func (s *keyStream) Read(p []byte) (int, error) {
	clear(p)
	s.ctr.XORKeyStream(p, p)
	return len(p), nil
}

// Close overwrites the key with zeros; later calls return ErrClosed.
func (d *ObjectDeriver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.prk)
	d.prk = nil
	return nil
}

// String hides the key from fmt.
func (d *ObjectDeriver) String() string { return "secrets.ObjectDeriver{key: redacted}" }

// GoString hides the key from %#v.
func (d *ObjectDeriver) GoString() string { return d.String() }
