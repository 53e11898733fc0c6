package secrets

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeriverScopes checks the login and answer scopes against the Master
// Password v3 test matrix (cases v3_loginName, v3_securityAnswer and
// v3_securityAnswer_context).
func TestDeriverScopes(t *testing.T) {
	t.Parallel()
	deriver := sharedDeriver(t, "Robert Lee Mitchell", "banana colored duckling")
	tests := []struct {
		name   string
		derive func() (string, error)
		want   string
	}{
		{"login", func() (string, error) { return deriver.Login("masterpasswordapp.com", 1) }, "wohzaqage"},
		{"answer", func() (string, error) { return deriver.Answer("masterpasswordapp.com", 1, "") }, "xin diyjiqoja hubu"},
		{"answer with context", func() (string, error) { return deriver.Answer("masterpasswordapp.com", 1, "question") }, "xogx tem cegyiva jab"},
		{"derive login scope", func() (string, error) {
			return deriver.Derive(ScopeIdentification, "masterpasswordapp.com", 1, "name", "")
		}, "wohzaqage"},
		{"password", func() (string, error) { return deriver.Password("masterpasswordapp.com", 1, "long") }, "Jejr5[RepuSosp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.derive()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestDeriverConcurrent has many goroutines share Derivers; run with -race.
func TestDeriverConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for range 4 {
		for _, v := range sprigVectors {
			deriver := sharedDeriver(t, v.user, v.master)
			wg.Go(func() {
				got, err := deriver.Password(v.site, v.counter, v.passwordType)
				assert.NoError(t, err)
				assert.Equal(t, v.want, got)
			})
		}
	}
	wg.Wait()
}

func TestDeriveBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		passwordType string
		master, user string
		check        func(t *testing.T, err error)
	}{
		{"unknown type", "longest", "password", "user", func(t *testing.T, err error) {
			var typeErr *PasswordTypeError
			require.ErrorAs(t, err, &typeErr)
			assert.Equal(t, "longest", typeErr.Type)
		}},
		{"type is case-sensitive as in sprig", "Long", "password", "user", func(t *testing.T, err error) {
			var typeErr *PasswordTypeError
			assert.ErrorAs(t, err, &typeErr)
		}},
		{"empty user", "long", "password", "", func(t *testing.T, err error) {
			var inputErr *InputError
			require.ErrorAs(t, err, &inputErr)
			assert.Equal(t, "user", inputErr.Field)
		}},
		{"empty master password", "long", "", "user", func(t *testing.T, err error) {
			var inputErr *InputError
			require.ErrorAs(t, err, &inputErr)
			assert.Equal(t, "master password", inputErr.Field)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DerivePassword(1, tc.passwordType, tc.master, tc.user, "example.com")
			require.Error(t, err)
			assert.Empty(t, got)
			tc.check(t, err)
		})
	}
}

func TestDeriverClose(t *testing.T) {
	t.Parallel()
	deriver, err := NewDeriver("user", "password")
	require.NoError(t, err)
	key := deriver.key // the test looks inside to check the wipe
	require.NoError(t, deriver.Close())
	assert.Equal(t, make([]byte, masterKeyLen), key, "Close must overwrite the key with zeros")
	_, err = deriver.Password("example.com", 1, "long")
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, deriver.Close(), "a second Close is harmless")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", deriver, deriver, deriver), "\x00")
}

func TestDeriverBadInput(t *testing.T) {
	t.Parallel()
	_, err := NewDeriver("", "password")
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr)

	deriver := sharedDeriver(t, "user", "password")
	_, err = deriver.Password("example.com", 1, "")
	var typeErr *PasswordTypeError
	assert.ErrorAs(t, err, &typeErr)
	_, err = deriver.Derive(Scope("com.example"), "example.com", 1, "long", "")
	assert.ErrorAs(t, err, &inputErr)
	assert.False(t, errors.Is(err, ErrClosed))
}
