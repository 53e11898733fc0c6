package manifest

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantKinds []string
		wantErrAt int // -1: no error
	}{
		{
			name: "two documents and an empty one",
			input: `apiVersion: v1
kind: Pod
metadata: {name: a}
---
# only a comment
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
`,
			wantKinds: []string{"Pod", "Deployment"},
			wantErrAt: -1,
		},
		{
			name: "list is flattened",
			input: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
- apiVersion: v1
  kind: Pod
  metadata: {name: p1}
`,
			wantKinds: []string{"Node", "Pod"},
			wantErrAt: -1,
		},
		{
			name:      "json document",
			input:     `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`,
			wantKinds: []string{"Pod"},
			wantErrAt: -1,
		},
		{name: "unknown kind", input: "apiVersion: example.com/v1\nkind: Widget\n", wantErrAt: 0},
		{name: "second document broken", input: "apiVersion: v1\nkind: Pod\n---\nkind: [\n", wantErrAt: 1},
		{name: "empty input", input: "", wantErrAt: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objects, err := Decode(strings.NewReader(tc.input))
			if tc.wantErrAt >= 0 {
				var docErr *DocumentError
				require.True(t, errors.As(err, &docErr), "Decode() error = %v, want *DocumentError", err)
				assert.Equal(t, tc.wantErrAt, docErr.Index)
				return
			}
			require.NoError(t, err)
			var kinds []string
			for _, obj := range objects {
				switch obj.(type) {
				case *corev1.Pod:
					kinds = append(kinds, "Pod")
				case *corev1.Node:
					kinds = append(kinds, "Node")
				case *appsv1.Deployment:
					kinds = append(kinds, "Deployment")
				default:
					kinds = append(kinds, "other")
				}
			}
			assert.Equal(t, tc.wantKinds, kinds)
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems: []\n")
	f.Add("{}")
	f.Fuzz(func(t *testing.T, input string) {
		_, _ = Decode(strings.NewReader(input))
	})
}
