package secrets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Source is one origin of data for Opaque and Generic, like the --from-*
// flags of kubectl create secret generic. Make one with FromLiteral,
// FromBytes, FromLiteralSource, FromFile or FromEnvFile.
type Source struct {
	kind  sourceKind
	key   string
	value []byte
	spec  string
}

type sourceKind int

const (
	sourceLiteral sourceKind = iota + 1
	sourceLiteralSpec
	sourceFile
	sourceEnvFile
)

// FromLiteral is the key key with the value value.
func FromLiteral(key, value string) Source {
	return Source{kind: sourceLiteral, key: key, value: []byte(value)}
}

// FromBytes is the key key with the value value, which may be binary.
func FromBytes(key string, value []byte) Source {
	return Source{kind: sourceLiteral, key: key, value: bytes.Clone(value)}
}

// FromLiteralSource is kubectl's --from-literal=key=value: split at the first
// '=', so the value may contain '='; a missing or leading '=' is an error.
func FromLiteralSource(spec string) Source { return Source{kind: sourceLiteralSpec, spec: spec} }

// FromFile is kubectl's --from-file=[key=]path: the file's content under key,
// or under the file's base name. A directory adds each regular file in it
// (not symbolic links, not subdirectories) under its name, and then key may
// not be given.
func FromFile(spec string) Source { return Source{kind: sourceFile, spec: spec} }

// FromEnvFile is kubectl's --from-env-file=path: each KEY=value line adds a
// key. Leading whitespace is dropped, empty lines and lines starting with '#'
// are skipped, a UTF-8 byte-order mark on the first line is ignored, keys
// must be valid environment variable names, and a line with no '=' takes its
// value from this process's environment (empty when unset). As in kubectl, it
// cannot be combined with other kinds of source.
func FromEnvFile(path string) Source { return Source{kind: sourceEnvFile, spec: path} }

// SourceError says which source could not be read or parsed. It never holds
// a value.
type SourceError struct {
	// Source describes the source: "literal 2", "file db/password",
	// "env file .env line 3".
	Source string
	Err    error
}

// Error describes the SourceError.
func (e *SourceError) Error() string { return "secrets: " + e.Source + ": " + e.Err.Error() }

// Unwrap returns the error the SourceError wraps.
func (e *SourceError) Unwrap() error { return e.Err }

// collect turns sources into data, refusing duplicate and invalid keys as
// kubectl does.
func collect(sources []Source) (map[string][]byte, error) {
	data := map[string][]byte{}
	envFiles, others := 0, 0
	for _, s := range sources {
		if s.kind == sourceEnvFile {
			envFiles++
		} else {
			others++
		}
	}
	if envFiles > 0 && others > 0 {
		return nil, &InputError{Field: "sources", Reason: "mix env files with literals or files; kubectl refuses that too (from-env-file cannot be combined with from-file or from-literal)"}
	}
	for i, s := range sources {
		var err error
		switch s.kind {
		case sourceLiteral:
			err = addValue(data, fmt.Sprintf("literal %d", i+1), s.key, s.value)
		case sourceLiteralSpec:
			err = addLiteralSpec(data, i, s.spec)
		case sourceFile:
			err = addFileSource(data, s.spec)
		case sourceEnvFile:
			err = addEnvFile(data, s.spec)
		default:
			err = &InputError{Field: fmt.Sprintf("source %d", i+1), Reason: "is the zero Source; make sources with FromLiteral, FromFile or FromEnvFile"}
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

func addValue(data map[string][]byte, origin, key string, value []byte) error {
	if err := CheckKey(key); err != nil {
		return &SourceError{Source: origin, Err: err}
	}
	if _, dup := data[key]; dup {
		return &SourceError{Source: origin, Err: fmt.Errorf("key %q is already set by an earlier source", key)}
	}
	data[key] = value
	return nil
}

func addLiteralSpec(data map[string][]byte, index int, spec string) error {
	origin := fmt.Sprintf("literal %d", index+1)
	key, value, found := strings.Cut(spec, "=")
	if !found || key == "" {
		// Do not echo spec: it may be a value with a forgotten key.
		return &SourceError{Source: origin, Err: errors.New("expected key=value")}
	}
	return addValue(data, origin, key, []byte(value))
}

func addFileSource(data map[string][]byte, spec string) error {
	key, filePath, err := parseFileSpec(spec)
	if err != nil {
		return &SourceError{Source: "file " + spec, Err: err}
	}
	info, err := os.Stat(filePath)
	if err != nil {
		return &SourceError{Source: "file " + filePath, Err: err}
	}
	if !info.IsDir() {
		return addFile(data, key, filePath)
	}
	if strings.Contains(spec, "=") {
		return &SourceError{Source: "file " + spec, Err: errors.New("a key name cannot be given for a directory")}
	}
	entries, err := os.ReadDir(filePath)
	if err != nil {
		return &SourceError{Source: "directory " + filePath, Err: err}
	}
	for _, entry := range entries {
		if entry.Type().IsRegular() {
			if err := addFile(data, entry.Name(), filepath.Join(filePath, entry.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseFileSpec is kubectl's ParseFileSource: "path" or "key=path", with at
// most one '='.
func parseFileSpec(spec string) (key, filePath string, err error) {
	switch n := strings.Count(spec, "="); {
	case spec == "":
		return "", "", errors.New("empty file source")
	case n == 0:
		return path.Base(filepath.ToSlash(spec)), spec, nil
	case n > 1:
		return "", "", errors.New("key names or file paths cannot contain '='")
	default:
		key, filePath, _ := strings.Cut(spec, "=")
		if key == "" {
			return "", "", errors.New("key name missing before '='")
		}
		if filePath == "" {
			return "", "", errors.New("file path missing after '='")
		}
		return key, filePath, nil
	}
}

// addFile reads at most MaxSecretSize+1 bytes: more could never be stored.
func addFile(data map[string][]byte, key, filePath string) error {
	origin := "file " + filePath
	content, err := readLimited(filePath, MaxSecretSize)
	if err != nil {
		return &SourceError{Source: origin, Err: err}
	}
	return addValue(data, origin, key, content)
}

func readLimited(filePath string, limit int) ([]byte, error) {
	f, err := os.Open(filePath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(content) > limit {
		return nil, &SizeError{Size: len(content), Limit: limit}
	}
	return content, nil
}

// maxEnvFileSize bounds an env file: its values must fit in a Secret, but
// comments may make it longer.
const maxEnvFileSize = 4 * MaxSecretSize

func addEnvFile(data map[string][]byte, filePath string) error {
	info, err := os.Stat(filePath)
	if err != nil {
		return &SourceError{Source: "env file " + filePath, Err: err}
	}
	if info.IsDir() {
		return &SourceError{Source: "env file " + filePath, Err: errors.New("is a directory")}
	}
	content, err := readLimited(filePath, maxEnvFileSize)
	if err != nil {
		return &SourceError{Source: "env file " + filePath, Err: err}
	}
	return ParseEnvFile(content, os.Getenv, func(line int, key, value string) error {
		return addValue(data, fmt.Sprintf("env file %s line %d", filePath, line), key, []byte(value))
	})
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseEnvFile parses content as kubectl create secret/configmap
// --from-env-file does, calling add with the 1-based line number, key and
// value of each entry; getenv supplies the value of a line without '='. An
// error names the line and quotes at most the key before its '=', never a
// value, nor a line without '=' (which is likely a value missing its key).
func ParseEnvFile(content []byte, getenv func(string) string, add func(line int, key, value string) error) error {
	scanner := bufio.NewScanner(bytes.NewReader(content))
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Bytes()
		if !utf8.Valid(text) {
			return &SourceError{Source: fmt.Sprintf("env file line %d", line), Err: errors.New("contains invalid UTF-8")}
		}
		if line == 1 {
			text = bytes.TrimPrefix(text, utf8BOM)
		}
		text = bytes.TrimLeftFunc(text, unicode.IsSpace)
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		key, value, found := strings.Cut(string(text), "=")
		if reasons := validation.IsEnvVarName(key); len(reasons) > 0 {
			if !found {
				// A line without '=' that is no variable name is most likely
				// a value typed without its key: quoting it would print it.
				return &SourceError{Source: fmt.Sprintf("env file line %d", line),
					Err: errors.New("has no '=' and is not a valid environment variable name; write KEY=value")}
			}
			return &SourceError{Source: fmt.Sprintf("env file line %d", line), Err: &KeyError{Key: key, Reasons: reasons}}
		}
		if !found {
			value = getenv(key)
		}
		if err := add(line, key, value); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return &SourceError{Source: "env file", Err: err}
	}
	return nil
}
