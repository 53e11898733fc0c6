package kubeconfig

import (
	"errors"
	"fmt"
)

// Errors a caller can branch on with errors.Is.
var (
	// ErrServiceAccountNotFound: the ServiceAccount does not exist and
	// ServiceAccountOptions.Create was not set.
	ErrServiceAccountNotFound = errors.New("serviceaccount not found")
	// ErrTokenNotIssued: the legacy token Secret was not filled by the token
	// controller before the deadline.
	ErrTokenNotIssued = errors.New("token secret not filled by the token controller")
	// ErrNoCurrentContext: the kubeconfig has no current-context, or it names
	// a context that is not there.
	ErrNoCurrentContext = errors.New("no current context")
	// ErrMissingEntry: a context names a cluster or user that the kubeconfig
	// does not define.
	ErrMissingEntry = errors.New("entry not found")
	// ErrConflict: an object of the same name exists and is not what this
	// package would have made (a binding to another role, a Secret for another
	// ServiceAccount), so it is left alone.
	ErrConflict = errors.New("conflicting object exists")
	// ErrWrongIdentity: the new credentials authenticate, but as someone else.
	ErrWrongIdentity = errors.New("credentials authenticate as another user")
)

// FieldError reports bad input: which field and what is wrong with it. It
// never carries a field's value when the field holds a secret.
type FieldError struct {
	// Field names the offending input, e.g. "ServiceAccountOptions.Expiration".
	Field string
	// Reason says what is wrong and what would be accepted.
	Reason string
}

// Error describes the FieldError.
func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// PermissionError reports that the API server refused a step with
// Forbidden, and which permission the caller lacks. Unwrap gives the API
// error, so apierrors.IsForbidden(err) holds.
type PermissionError struct {
	// Verb, Group, Resource and Subresource name the permission needed, as an
	// RBAC rule would: "create" on "serviceaccounts/token" in group "".
	Verb        string
	Group       string
	Resource    string
	Subresource string
	// Namespace is empty for cluster-scoped resources.
	Namespace string
	// Name is the object acted on, when there is one.
	Name string
	// Hint adds what else the API server may want, e.g. for bindings the
	// right to grant the role ("bind" or holding its permissions).
	Hint string
	Err  error
}

// Error describes the PermissionError.
func (e *PermissionError) Error() string {
	resource := e.Resource
	if e.Subresource != "" {
		resource += "/" + e.Subresource
	}
	if e.Group != "" {
		resource += "." + e.Group
	}
	where := "cluster-wide"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	msg := fmt.Sprintf("forbidden: the caller needs %q on %q %s", e.Verb, resource, where)
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the error the PermissionError wraps.
func (e *PermissionError) Unwrap() error { return e.Err }

// VerifyError reports that the new credentials could not be confirmed by a
// SelfSubjectReview: the server was unreachable, refused them, or they
// authenticate as another user (then errors.Is(err, ErrWrongIdentity)).
type VerifyError struct {
	// Server is the URL that was asked, its password (if any) REDACTED.
	Server string
	// Want is the username the credentials should have; Got the one the API
	// server reported, empty when it did not answer.
	Want, Got string
	Err       error
}

// Error describes the VerifyError.
func (e *VerifyError) Error() string {
	if e.Got != "" {
		return fmt.Sprintf("verify credentials at %s: authenticated as %q, want %q: %v", e.Server, e.Got, e.Want, e.Err)
	}
	return fmt.Sprintf("verify credentials at %s as %q: %v", e.Server, e.Want, e.Err)
}

// Unwrap returns the error the VerifyError wraps.
func (e *VerifyError) Unwrap() error { return e.Err }

// FileError reports a kubeconfig (or a file it references) that could not be
// read or parsed. Err never holds the file's contents.
type FileError struct {
	Path string
	Err  error
}

// Error describes the FileError.
func (e *FileError) Error() string { return fmt.Sprintf("kubeconfig %s: %v", e.Path, e.Err) }

// Unwrap returns the error the FileError wraps.
func (e *FileError) Unwrap() error { return e.Err }

var (
	errNoCertificates = errors.New("no PEM CERTIFICATE block found")
	errTrailingData   = errors.New("data after the last PEM block")
)

type errUnexpectedBlock string

func (e errUnexpectedBlock) Error() string {
	return fmt.Sprintf("PEM block of type %q where a CERTIFICATE was expected", string(e))
}
