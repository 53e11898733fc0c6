package secrets

import "errors"

// isA returns a check that an error matches type T with errors.As. Each call
// has its own target, so parallel subtests can share a table.
func isA[T error]() func(error) bool {
	return func(err error) bool {
		var target T
		return errors.As(err, &target)
	}
}
