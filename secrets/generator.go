package secrets

// Generator makes the value of one key of one Secret; Ensure calls it only
// for keys that are missing or that it is told to regenerate. ref names the
// Secret and key, for generators whose value depends on them.
type Generator func(ref ValueRef) ([]byte, error)

// RandomValue generates length symbols of alphabet with crypto/rand: a new
// value each call (see Generate).
func RandomValue(alphabet Alphabet, length int) Generator {
	return func(ValueRef) ([]byte, error) {
		v, err := Generate(alphabet, length)
		return []byte(v), err
	}
}

// DerivedValue derives the value from ref and counter with d (see
// ObjectDeriver.Value): the same value every time, so a lost Secret can be
// recreated as it was, and a counter bump (with Ensure's Regenerate) rotates.
func DerivedValue(d *ObjectDeriver, counter uint32, alphabet Alphabet, length int) Generator {
	return func(ref ValueRef) ([]byte, error) {
		v, err := d.Value(ref, counter, alphabet, length)
		return []byte(v), err
	}
}

// FixedValue always returns value: for keys whose value is known, such as a
// username, that should still only be written when missing.
func FixedValue(value []byte) Generator {
	return func(ValueRef) ([]byte, error) { return append([]byte(nil), value...), nil }
}
