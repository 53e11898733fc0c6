package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// ErrClosed is returned by a Deriver or ObjectDeriver after Close.
var ErrClosed = errors.New("secrets: deriver is closed")

// PasswordTypeError says a password type is not one of PasswordTypes.
type PasswordTypeError struct {
	// Type is the name that was given.
	Type string
}

// Error describes the PasswordTypeError.
func (e *PasswordTypeError) Error() string {
	return fmt.Sprintf("secrets: unknown password type %q: use one of %s (names are case-sensitive, as in Helm)",
		e.Type, strings.Join(PasswordTypes(), ", "))
}

// InputError says an argument is missing or malformed. It never holds the
// argument's value when the argument is secret.
type InputError struct {
	// Field names the argument.
	Field string
	// Reason says what is wrong and, where it helps, what to do.
	Reason string
}

// Error describes the InputError.
func (e *InputError) Error() string { return "secrets: " + e.Field + " " + e.Reason }

// AlphabetError says an alphabet cannot be used for generation.
type AlphabetError struct {
	// Reason says what is wrong: too few symbols, a duplicate, invalid UTF-8.
	Reason string
}

// Error describes the AlphabetError.
func (e *AlphabetError) Error() string { return "secrets: invalid alphabet: " + e.Reason }

// LengthError says a requested length is out of range.
type LengthError struct {
	// What names the length ("value length", "master secret").
	What string
	// Length is the length asked for.
	Length int
	// Min and Max bound the accepted lengths.
	Min, Max int
}

// Error describes the LengthError.
func (e *LengthError) Error() string {
	return fmt.Sprintf("secrets: %s of %d is out of range: use %d to %d", e.What, e.Length, e.Min, e.Max)
}

// KeyError says a data key is not a valid Secret key, with the API server's
// reasons (keys must match [-._a-zA-Z0-9]+, be at most 253 characters and not
// be "." or "..", or start with "..").
type KeyError struct {
	Key     string
	Reasons []string
}

// Error describes the KeyError.
func (e *KeyError) Error() string {
	return fmt.Sprintf("secrets: invalid key %q: %s", e.Key, strings.Join(e.Reasons, "; "))
}

// SizeError says a Secret's data is larger than the API server accepts.
type SizeError struct {
	// Size is the total number of bytes of all values.
	Size int
	// Limit is MaxSecretSize.
	Limit int
}

// Error describes the SizeError.
func (e *SizeError) Error() string {
	return fmt.Sprintf("secrets: data is %d bytes, more than the API server's limit of %d (1 MiB); store large files elsewhere or split the Secret", e.Size, e.Limit)
}

// FieldError says one field of a Secret is invalid, as the API server would
// say it: Field is the path ("metadata.name", "data[tls.crt]"), Reason the
// problem. It never holds a data value.
type FieldError struct {
	Field  string
	Reason string
}

// Error describes the FieldError.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// InvalidSecretError says a Secret would be refused by the API server, or is
// well-formed but meaningless (a key that does not match its certificate). Err
// joins the individual problems: *KeyError, *SizeError, *FieldError and
// errors of the type-specific checks; match them with errors.As.
type InvalidSecretError struct {
	// Name is the Secret's name (namespace/name when the namespace is set).
	Name string
	Err  error
}

// Error describes the InvalidSecretError.
func (e *InvalidSecretError) Error() string {
	return fmt.Sprintf("secrets: invalid Secret %q: %s", e.Name, strings.ReplaceAll(e.Err.Error(), "\n", "; "))
}

// Unwrap returns the error the InvalidSecretError wraps.
func (e *InvalidSecretError) Unwrap() error { return e.Err }
