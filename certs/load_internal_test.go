package certs

import (
	"io"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endlessFS holds one file that claims to be empty, as /dev/zero or a
// file still being written does, and yields zeros for ever.
type endlessFS struct{ read *int }

func (e endlessFS) Open(string) (fs.File, error) { return endlessFile(e), nil }

type endlessFile struct{ read *int }

func (f endlessFile) Stat() (fs.FileInfo, error) { return endlessInfo{}, nil }
func (f endlessFile) Close() error               { return nil }
func (f endlessFile) Read(p []byte) (int, error) {
	if *f.read > 64*DefaultMaxBytes { // a guard for the test, not a limit of the code
		return 0, io.EOF
	}
	clear(p)
	*f.read += len(p)
	return len(p), nil
}

type endlessInfo struct{}

func (endlessInfo) Name() string       { return "ca.crt" }
func (endlessInfo) Size() int64        { return 0 }
func (endlessInfo) Mode() fs.FileMode  { return 0o644 }
func (endlessInfo) ModTime() time.Time { return time.Time{} }
func (endlessInfo) IsDir() bool        { return false }
func (endlessInfo) Sys() any           { return nil }

func TestReadLimitedBoundsTheRead(t *testing.T) {
	t.Parallel()
	var read int
	_, err := readLimited(endlessFS{read: &read}, "ca.crt", DecodeOptions{})
	var se *SizeError
	require.ErrorAs(t, err, &se)
	assert.LessOrEqual(t, read, DefaultMaxBytes+64<<10, "read no more than the limit and a buffer")
}

func TestReadLimitedRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"fifo":   {Mode: fs.ModeNamedPipe | 0o600},
		"device": {Mode: fs.ModeDevice | fs.ModeCharDevice | 0o666},
		"ca.crt": {Data: []byte("x"), Mode: 0o644},
	}
	for _, name := range []string{"fifo", "device"} {
		_, err := readLimited(fsys, name, DecodeOptions{})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "not a regular file")
	}
	data, err := readLimited(fsys, "ca.crt", DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
}
