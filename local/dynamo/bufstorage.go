package dynamo

import (
	"bufio"

	"github.com/syndtr/goleveldb/leveldb/storage"
)

// tableWriteBuffer is the buffer in front of each table file LevelDB
// writes (see bufferedTables).
const tableWriteBuffer = 256 << 10

// bufferedTables is a LevelDB storage whose table files are written
// through a buffer. LevelDB's table writer hands each 4 KB block to the
// file as it finishes it, one write system call per block: a bulk load
// writes every item twice this way (when the write buffer is flushed to a
// level-0 table, and again when the tables are compacted), and those
// system calls were about 4% of a `sluice run`'s CPU. Buffering changes
// no durability: LevelDB syncs a table (bufferedFile.Sync flushes first)
// before it records the table in its manifest, and a table not in the
// manifest is ignored and removed on the next open, whatever it holds.
// The journal and the manifest are written as LevelDB writes them: the
// journal is what a kill -9 of sluice must find complete.
type bufferedTables struct {
	storage.Storage
}

// Create creates a file, buffered if it is a table.
func (s bufferedTables) Create(fd storage.FileDesc) (storage.Writer, error) {
	w, err := s.Storage.Create(fd)
	if err != nil || fd.Type != storage.TypeTable {
		return w, err
	}
	return &bufferedFile{Writer: bufio.NewWriterSize(w, tableWriteBuffer), file: w}, nil
}

// bufferedFile is a table file being written through a buffer.
type bufferedFile struct {
	*bufio.Writer
	file storage.Writer
}

// Sync writes what is buffered and syncs the file.
func (f *bufferedFile) Sync() error {
	if err := f.Flush(); err != nil {
		return err
	}
	return f.file.Sync()
}

// Close writes what is buffered and closes the file.
func (f *bufferedFile) Close() error {
	err := f.Flush()
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	return err
}
