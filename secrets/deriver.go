package secrets

import "sync"

// Deriver derives any number of Master Password v3 results for one user and
// master password. NewDeriver runs scrypt once; each Password, Login or Answer
// call after that costs one HMAC-SHA256, so a hundred site passwords cost about
// as much as one DerivePassword call.
//
// A Deriver is safe for concurrent use. The master key never leaves it: no
// method returns it, it is not printed by %v, and Close overwrites it with
// zeros. Calls after Close return ErrClosed.
type Deriver struct {
	mu  sync.RWMutex
	key []byte
}

// NewDeriver computes the master key of user and masterPassword (scrypt, about
// 32 MiB and 0.1 s). It returns *InputError when either is empty. Call Close
// when done to wipe the key.
func NewDeriver(user, masterPassword string) (*Deriver, error) {
	key, err := masterKey(user, masterPassword)
	if err != nil {
		return nil, err
	}
	return &Deriver{key: key}, nil
}

// Password derives the site password of type passwordType (see PasswordTypes)
// for site and counter: the same string as
// DerivePassword(counter, passwordType, masterPassword, user, site).
func (d *Deriver) Password(site string, counter uint32, passwordType string) (string, error) {
	return d.derive(ScopeAuthentication, site, counter, passwordType, "")
}

// Login derives the login name Master Password suggests for site (the
// identification scope, "name" template). Master Password apps use counter 1.
func (d *Deriver) Login(site string, counter uint32) (string, error) {
	return d.derive(ScopeIdentification, site, counter, "name", "")
}

// Answer derives the answer to a security question for site (the recovery
// scope, "phrase" template). question is Master Password's key context: empty
// for one answer for all the site's questions, or the question's most
// significant word for one answer per question. Master Password apps use
// counter 1.
func (d *Deriver) Answer(site string, counter uint32, question string) (string, error) {
	return d.derive(ScopeRecovery, site, counter, "phrase", question)
}

// Derive is the general form of Password, Login and Answer: any scope, any
// password type, and an optional key context.
func (d *Deriver) Derive(scope Scope, site string, counter uint32, passwordType, context string) (string, error) {
	switch scope {
	case ScopeAuthentication, ScopeIdentification, ScopeRecovery:
	default:
		return "", &InputError{Field: "scope", Reason: "must be ScopeAuthentication, ScopeIdentification or ScopeRecovery"}
	}
	return d.derive(scope, site, counter, passwordType, context)
}

func (d *Deriver) derive(scope Scope, site string, counter uint32, passwordType, context string) (string, error) {
	templates, err := lookupTemplates(passwordType)
	if err != nil {
		return "", err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.key == nil {
		return "", ErrClosed
	}
	return renderTemplate(templates, siteSeed(d.key, scope, site, counter, context)), nil
}

// Close overwrites the master key with zeros. It is safe to call more than
// once and concurrently with other methods, which then return ErrClosed.
func (d *Deriver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.key)
	d.key = nil
	return nil
}

// String hides the key from fmt.
func (d *Deriver) String() string { return "secrets.Deriver{key: redacted}" }

// GoString hides the key from %#v.
func (d *Deriver) GoString() string { return d.String() }
