package secrets

import (
	"fmt"
	"strings"
)

// Registry, Source and BootstrapTokenOptions carry secret values; fmt and
// reflective logr sinks (funcr, zapr) would print them as they are. These
// methods show what is set and never a value, for every fmt verb and every
// logr sink.

const redacted = "REDACTED"

func redactNonEmpty(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// Format prints the registry and user name with the password REDACTED,
// whatever the verb.
func (r Registry) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "secrets.Registry{Server: %q, Username: %q, Password: %s, Email: %q}",
		r.Server, r.Username, redactNonEmpty(r.Password), r.Email)
}

// MarshalLog gives logr sinks the registry with the password REDACTED.
func (r Registry) MarshalLog() any {
	return map[string]string{"server": r.Server, "username": r.Username, "password": redactNonEmpty(r.Password), "email": r.Email}
}

// Format prints the key or the file a Source names, never a value, whatever
// the verb. A literal spec (key=value) shows its key only.
func (s Source) Format(f fmt.State, _ rune) {
	l := s.MarshalLog().(map[string]string)
	_, _ = fmt.Fprintf(f, "secrets.Source{%s: %q}", l["kind"], l["name"])
}

// MarshalLog gives logr sinks the kind of source and its key or file, never
// a value.
func (s Source) MarshalLog() any {
	kind, name := "zero", ""
	switch s.kind {
	case sourceLiteral:
		kind, name = "literal", s.key
	case sourceLiteralSpec:
		kind = "literal"
		// Only the part before '=': without one, the spec may be a value
		// that lost its key.
		if key, _, found := strings.Cut(s.spec, "="); found {
			name = key
		}
	case sourceFile:
		kind, name = "file", s.spec
	case sourceEnvFile:
		kind, name = "env file", s.spec
	}
	return map[string]string{"kind": kind, "name": name}
}

// Format prints the options with Secret REDACTED, whatever the verb.
func (o BootstrapTokenOptions) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "secrets.BootstrapTokenOptions{ID: %q, Secret: %s, Description: %q, TTL: %s, Expires: %s, NoExpiry: %t, Usages: %q, Groups: %q}",
		o.ID, redactNonEmpty(o.Secret), o.Description, o.TTL, o.Expires, o.NoExpiry, o.Usages, o.Groups)
}

// MarshalLog gives logr sinks the options with Secret REDACTED.
func (o BootstrapTokenOptions) MarshalLog() any {
	return map[string]any{
		"id": o.ID, "secret": redactNonEmpty(o.Secret), "description": o.Description, "ttl": o.TTL.String(),
		"expires": o.Expires, "noExpiry": o.NoExpiry, "usages": o.Usages, "groups": o.Groups,
	}
}
