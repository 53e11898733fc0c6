package secrets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Scope is the Master Password "key purpose": it separates site passwords,
// login names and security answers derived from the same master key. Sprig
// and Helm know only ScopeAuthentication.
type Scope string

const (
	// ScopeAuthentication derives site passwords; it is the only scope of
	// Helm's derivePassword.
	ScopeAuthentication Scope = "com.lyndir.masterpassword"
	// ScopeIdentification derives login names (Master Password's ".login").
	ScopeIdentification Scope = "com.lyndir.masterpassword.login"
	// ScopeRecovery derives answers to security questions (".answer").
	ScopeRecovery Scope = "com.lyndir.masterpassword.answer"
)

// The scrypt parameters of Master Password v3: N=32768, r=8, p=2, 64-byte key.
// They cost about 32 MiB of memory and a tenth of a second per master key.
const (
	scryptN      = 32768
	scryptR      = 8
	scryptP      = 2
	masterKeyLen = 64
)

// passwordTemplates holds, per password type, the templates one of which the
// first byte of the site seed picks. The six types Helm knows come first, in
// sprig's order (sprig crypto.go passwordTypeTemplates); name and phrase are
// Master Password's, which sprig does not implement.
var passwordTemplates = map[string][]string{
	"maximum": {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"},
	"long": {
		"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
		"CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
		"CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
		"CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
		"CvccCvcvCvccno",
	},
	"medium": {"CvcnoCvc", "CvcCvcno"},
	"short":  {"Cvcn"},
	"basic":  {"aaanaaan", "aannaaan", "aaannaaa"},
	"pin":    {"nnnn"},
	"name":   {"cvccvcvcv"},
	"phrase": {"cvcc cvc cvccvcv cvc", "cvc cvccvcvcv cvcv", "cv cvccv cvc cvcvccv"},
}

// templateCharacters maps a template letter to the characters it may become.
// The selection is seed byte modulo the class size, with the modulo bias that
// implies: it is the algorithm, and changing it would change every password.
var templateCharacters = [256]string{
	'V': "AEIOU",
	'C': "BCDFGHJKLMNPQRSTVWXYZ",
	'v': "aeiou",
	'c': "bcdfghjklmnpqrstvwxyz",
	'A': "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
	'a': "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
	'n': "0123456789",
	'o': "@&%?,=[]_:-+*$#!'^~;()/.",
	'x': "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
	' ': " ",
}

// PasswordTypes returns the password types DerivePassword and
// Deriver.Password accept, sorted: Helm's six (basic, long, maximum, medium,
// pin, short) plus Master Password's name and phrase.
func PasswordTypes() []string {
	types := make([]string, 0, len(passwordTemplates))
	for name := range passwordTemplates {
		types = append(types, name)
	}
	slices.Sort(types)
	return types
}

// DerivePassword derives a site password with Master Password algorithm v3,
// exactly as Helm's (sprig's) derivePassword template function does, with the
// same arguments in the same order: for every input where sprig returns a
// password this returns the same password. passwordType is one of
// PasswordTypes; masterPassword is the secret and user the full name that
// salts it.
//
// Unlike sprig, which prints its errors into the returned "password", bad
// input gives an error: *PasswordTypeError for an unknown type (names are
// case-sensitive, as in sprig) and *InputError for an empty user or master
// password. Each call runs scrypt (about 32 MiB and 0.1 s); to derive many
// passwords for one user, use NewDeriver.
func DerivePassword(counter uint32, passwordType, masterPassword, user, site string) (string, error) {
	templates, err := lookupTemplates(passwordType)
	if err != nil {
		return "", err
	}
	key, err := masterKey(user, masterPassword)
	if err != nil {
		return "", err
	}
	defer clear(key)
	return renderTemplate(templates, siteSeed(key, ScopeAuthentication, site, counter, "")), nil
}

func lookupTemplates(passwordType string) ([]string, error) {
	templates, ok := passwordTemplates[passwordType]
	if !ok {
		return nil, &PasswordTypeError{Type: passwordType}
	}
	return templates, nil
}

// masterKey is scrypt(masterPassword, scope || BE32(len(user)) || user). The
// length is in bytes, which is what makes this v3 (v0–v2 counted otherwise).
func masterKey(user, masterPassword string) ([]byte, error) {
	if user == "" {
		return nil, &InputError{Field: "user", Reason: "is empty; Master Password salts the key with the user's full name"}
	}
	if masterPassword == "" {
		return nil, &InputError{Field: "master password", Reason: "is empty"}
	}
	salt := appendString(append(make([]byte, 0, len(ScopeAuthentication)+4+len(user)), ScopeAuthentication...), user)
	key, err := scrypt.Key([]byte(masterPassword), salt, scryptN, scryptR, scryptP, masterKeyLen)
	if err != nil {
		// scrypt fails only on parameters, which are constants here.
		return nil, fmt.Errorf("derive master key: %w", err)
	}
	return key, nil
}

// siteSeed is HMAC-SHA256(key, scope || BE32(len(site)) || site ||
// BE32(counter) [|| BE32(len(context)) || context]). The context part exists
// only when context is not empty, as in Master Password.
func siteSeed(key []byte, scope Scope, site string, counter uint32, context string) [sha256.Size]byte {
	msg := make([]byte, 0, len(scope)+12+len(site)+len(context))
	msg = append(msg, scope...)
	msg = appendString(msg, site)
	msg = binary.BigEndian.AppendUint32(msg, counter)
	if context != "" {
		msg = appendString(msg, context)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(msg)
	var seed [sha256.Size]byte
	mac.Sum(seed[:0])
	return seed
}

// renderTemplate picks the template with seed[0] and each character i with
// seed[i+1]; every template is shorter than the seed.
func renderTemplate(templates []string, seed [sha256.Size]byte) string {
	template := templates[int(seed[0])%len(templates)]
	var out strings.Builder
	out.Grow(len(template))
	for i := 0; i < len(template); i++ {
		class := templateCharacters[template[i]]
		out.WriteByte(class[int(seed[i+1])%len(class)])
	}
	return out.String()
}

// appendString appends the big-endian 32-bit byte length of s, then s.
func appendString(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}
