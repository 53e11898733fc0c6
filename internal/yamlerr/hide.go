package yamlerr

import (
	"errors"
	"regexp"
)

var (
	quotedValue = regexp.MustCompile("`[^`]*`")
	mapKey      = regexp.MustCompile(`invalid map key: .*`)
)

// Hide returns err, or when its message quotes input, an error with the
// same message without the quoted input.
func Hide(err error) error {
	msg := err.Error()
	clean := quotedValue.ReplaceAllString(msg, "(value not shown)")
	clean = mapKey.ReplaceAllString(clean, "invalid map key (a key must be a string)")
	if clean == msg {
		return err
	}
	return errors.New(clean)
}
