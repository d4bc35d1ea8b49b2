package local

import (
	"fmt"
	"io/fs"
	"os"
)

// NotRegularError is returned for an input file that is not a regular
// file: a directory, a named pipe (FIFO), a device such as /dev/zero, or a
// socket. Reading one could block forever (a FIFO nobody writes to) or
// never end (/dev/zero), so sluice refuses it before reading.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file: sluice reads input only from regular files", e.Path, describeMode(e.Mode))
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// OpenInput opens path for reading as an input file (symbolic links are
// followed). A path that is not a regular file is refused with a
// *NotRegularError before it is opened, since opening a FIFO blocks until
// a writer comes; the open file is checked again, in case the path was
// replaced in between.
func OpenInput(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, st, nil
}
