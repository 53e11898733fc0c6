package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// MaxDocumentBytes bounds one document of a manifest; larger documents are
// refused rather than read into memory.
const MaxDocumentBytes = 4 << 20

// DocumentError says which document of a manifest could not be decoded.
type DocumentError struct {
	// Index is the zero-based position of the document in the stream.
	Index int
	Err   error
}

// Error describes the DocumentError.
func (e *DocumentError) Error() string {
	return fmt.Sprintf("manifest document %d: %v", e.Index, e.Err)
}

// Unwrap returns the error the DocumentError wraps.
func (e *DocumentError) Unwrap() error { return e.Err }

// Decode reads every document of r and returns the objects in order. Empty
// documents are skipped; a List is flattened into its items. Only kinds that
// client-go's scheme knows are accepted.
func Decode(r io.Reader) ([]runtime.Object, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReaderSize(r, 64<<10))
	decoder := scheme.Codecs.UniversalDeserializer()
	var objects []runtime.Object
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objects, nil
		}
		if err != nil {
			return nil, &DocumentError{Index: index, Err: err}
		}
		if len(doc) > MaxDocumentBytes {
			return nil, &DocumentError{Index: index, Err: fmt.Errorf("document is %d bytes, more than the limit of %d", len(doc), MaxDocumentBytes)}
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			return nil, &DocumentError{Index: index, Err: err}
		}
		items, err := flatten(obj, decoder)
		if err != nil {
			return nil, &DocumentError{Index: index, Err: err}
		}
		objects = append(objects, items...)
	}
}

func flatten(obj runtime.Object, decoder runtime.Decoder) ([]runtime.Object, error) {
	list, ok := obj.(*corev1.List)
	if !ok {
		return []runtime.Object{obj}, nil
	}
	items := make([]runtime.Object, 0, len(list.Items))
	for i, raw := range list.Items {
		if raw.Object != nil {
			items = append(items, raw.Object)
			continue
		}
		item, _, err := decoder.Decode(raw.Raw, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("list item %d: %w", i, err)
		}
		items = append(items, item)
	}
	return items, nil
}

// stripComments drops YAML comment lines so that a document holding only
// comments counts as empty.
func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}
