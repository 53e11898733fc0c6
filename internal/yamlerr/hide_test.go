package yamlerr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeprim/kubeprim/internal/yamlerr"
)

// The messages are shaped as the YAML decoder writes them.
func TestHide(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `s3cr3t-t0k...` into int",
			"yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str (value not shown) into int"},
		{"yaml: invalid map key: []interface {}{\"s3cr3t-t0ken\"}",
			"yaml: invalid map key (a key must be a string)"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.EqualError(t, yamlerr.Hide(errors.New(tc.in)), tc.want)
		})
	}
	plain := errors.New("no quotes here")
	assert.Same(t, plain, yamlerr.Hide(plain), "an error that quotes nothing is kept as it is")
}

func ExampleHide() {
	err := errors.New("line 1: cannot unmarshal !!str `s3cr3t` into int")
	fmt.Println(yamlerr.Hide(err))
	// Output: line 1: cannot unmarshal !!str (value not shown) into int
}
