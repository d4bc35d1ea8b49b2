package s3emu

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Store is a versioned, persistent gofakes3 backend: object bodies
// live on disk named by their MD5, checked byte for byte (so memory stays
// bounded whatever the data size and identical bodies are stored once),
// and an append-only journal records every bucket and object change so
// that a later run sees the same buckets, keys and version IDs.
//
// It is safe for concurrent use.
type Store struct {
	dir     string
	now     func() time.Time
	mu      sync.Mutex
	journal *os.File
	w       *bufio.Writer
	seq     uint64
	buckets map[string]*fsBucket
	// readOnly stores keep changes (bucket creation) in memory only and
	// refuse object writes: they read a directory another process owns.
	readOnly bool
	// renameMu makes writeBlob's check-then-rename one step where the
	// filesystem has no hard links.
	renameMu sync.Mutex
}

type fsBucket struct {
	created    time.Time
	versioning gofakes3.VersioningStatus
	objects    map[string][]*fsVersion // oldest first
	keys       []string                // sorted; nil when stale
}

type fsVersion struct {
	Key          string            `json:"key"`
	VersionID    string            `json:"version"`
	Size         int64             `json:"size,omitempty"`
	MD5          string            `json:"md5,omitempty"`
	Blob         string            `json:"blob,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
	Modified     time.Time         `json:"modified"`
	DeleteMarker bool              `json:"deleteMarker,omitempty"`
}

type journalEntry struct {
	Op         string     `json:"op"` // bucket, unbucket, versioning, put, delete
	Bucket     string     `json:"bucket"`
	Time       time.Time  `json:"time"`
	Versioning string     `json:"versioning,omitempty"`
	Version    *fsVersion `json:"v,omitempty"`
	Seq        uint64     `json:"seq,omitempty"`
}

var (
	_ gofakes3.Backend          = (*Store)(nil)
	_ gofakes3.VersionedBackend = (*Store)(nil)
)

// Open opens (or creates) a store under dir, replaying its journal.
func Open(dir string, now func() time.Time) (*Store, error) {
	return open(dir, now, false)
}

// OpenReadOnly opens the store under dir for reading, beside a
// process that may be writing it: the journal is replayed as it stands (a
// last line still being written is left out), bucket changes stay in
// memory and object writes are refused.
func OpenReadOnly(dir string, now func() time.Time) (*Store, error) {
	return open(dir, now, true)
}

func open(dir string, now func() time.Time, readOnly bool) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if !readOnly {
		if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
			return nil, fmt.Errorf("local s3: %w", err)
		}
	}
	s := &Store{dir: dir, now: now, buckets: map[string]*fsBucket{}, readOnly: readOnly}
	jpath := filepath.Join(dir, "journal.jsonl")
	valid, err := s.replay(jpath)
	if err != nil {
		return nil, err
	}
	if readOnly {
		return s, nil
	}
	f, err := os.OpenFile(jpath, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("local s3: %w", err)
	}
	// A line cut short by a crash is dropped, so the journal stays whole.
	if err := f.Truncate(valid); err != nil {
		f.Close()
		return nil, fmt.Errorf("local s3: %w", err)
	}
	if _, err := f.Seek(valid, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("local s3: %w", err)
	}
	s.journal, s.w = f, bufio.NewWriter(f)
	return s, nil
}

// replay applies the journal at path and returns the length of its
// complete lines. A last line without its newline was being written (by a
// process still running, or one that crashed) and is ignored; any other
// line that does not parse is an error naming it.
func (s *Store) replay(path string) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("local s3: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64*1024)
	var valid int64
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if err == io.EOF {
			return valid, nil // b, if any, is a torn last line
		}
		if err != nil {
			return 0, fmt.Errorf("local s3: %s: %w", path, err)
		}
		var e journalEntry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("local s3: %s line %d: %w", path, line, err)
		}
		s.apply(e)
		valid += int64(len(b))
	}
}

// Close flushes the journal.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journal == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.journal.Close(); err == nil {
		err = cerr
	}
	s.journal = nil
	return err
}

// apply changes the in-memory index; the caller holds the lock (or is
// replaying).
func (s *Store) apply(e journalEntry) {
	if e.Seq > s.seq {
		s.seq = e.Seq
	}
	switch e.Op {
	case "bucket":
		if _, ok := s.buckets[e.Bucket]; !ok {
			s.buckets[e.Bucket] = &fsBucket{created: e.Time, objects: map[string][]*fsVersion{}}
		}
	case "unbucket":
		delete(s.buckets, e.Bucket)
	case "versioning":
		if b := s.buckets[e.Bucket]; b != nil {
			b.versioning = gofakes3.VersioningStatus(e.Versioning)
		}
	case "put":
		b := s.buckets[e.Bucket]
		if b == nil || e.Version == nil {
			return
		}
		v := e.Version
		if _, ok := b.objects[v.Key]; !ok {
			b.keys = nil
		}
		if b.versioning != gofakes3.VersioningEnabled {
			// Unversioned buckets keep one version per key.
			b.objects[v.Key] = []*fsVersion{v}
			return
		}
		b.objects[v.Key] = append(b.objects[v.Key], v)
	case "delete":
		b := s.buckets[e.Bucket]
		if b == nil || e.Version == nil {
			return
		}
		vs := b.objects[e.Version.Key]
		for i, v := range vs {
			if v.VersionID == e.Version.VersionID {
				vs = append(vs[:i:i], vs[i+1:]...)
				break
			}
		}
		if len(vs) == 0 {
			delete(b.objects, e.Version.Key)
			b.keys = nil
		} else {
			b.objects[e.Version.Key] = vs
		}
	}
}

// record applies and journals an entry; the caller holds the lock.
func (s *Store) record(e journalEntry) error {
	if s.readOnly {
		s.apply(e)
		return nil
	}
	if s.journal == nil {
		return errors.New("local s3: store is closed")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := s.w.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	s.apply(e)
	return nil
}

func (s *Store) nextVersion() string {
	s.seq++
	return fmt.Sprintf("v%019d", s.seq)
}

func (s *Store) bucket(name string) (*fsBucket, error) {
	b := s.buckets[name]
	if b == nil {
		return nil, gofakes3.BucketNotFound(name)
	}
	return b, nil
}

func (b *fsBucket) sortedKeys() []string {
	if b.keys == nil {
		b.keys = make([]string, 0, len(b.objects))
		for k := range b.objects {
			b.keys = append(b.keys, k)
		}
		sort.Strings(b.keys)
	}
	return b.keys
}

// latest returns the current version of key, nil if none or deleted.
func (b *fsBucket) latest(key string) *fsVersion {
	vs := b.objects[key]
	if len(vs) == 0 || vs[len(vs)-1].DeleteMarker {
		return nil
	}
	return vs[len(vs)-1]
}

// ListBuckets lists the buckets by name.
func (s *Store) ListBuckets() ([]gofakes3.BucketInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]gofakes3.BucketInfo, 0, len(s.buckets))
	for name, b := range s.buckets {
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(b.created)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ListBucket lists the current objects under prefix.
func (s *Store) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return nil, err
	}
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	keys := b.sortedKeys()
	start := 0
	if prefix.HasPrefix {
		start = sort.SearchStrings(keys, prefix.Prefix)
	}
	if page.HasMarker {
		if i := sort.Search(len(keys), func(i int) bool { return keys[i] > page.Marker }); i > start {
			start = i
		}
	}
	max := page.MaxKeys
	if max <= 0 {
		max = 1000
	}
	list := gofakes3.NewObjectList()
	var n int64
	var match gofakes3.PrefixMatch
	for _, k := range keys[start:] {
		if prefix.HasPrefix && !strings.HasPrefix(k, prefix.Prefix) {
			break
		}
		v := b.latest(k)
		if v == nil || !prefix.Match(k, &match) {
			continue
		}
		if n >= max {
			list.IsTruncated = true
			break
		}
		if match.CommonPrefix {
			before := len(list.CommonPrefixes)
			list.AddPrefix(match.MatchedPart)
			if len(list.CommonPrefixes) > before {
				n++
			}
		} else {
			list.Add(&gofakes3.Content{
				Key:          k,
				LastModified: gofakes3.NewContentTime(v.Modified),
				ETag:         `"` + v.MD5 + `"`,
				Size:         v.Size,
				StorageClass: "STANDARD",
			})
			n++
		}
		list.NextMarker = k
	}
	if !list.IsTruncated {
		list.NextMarker = ""
	}
	return list, nil
}

// CreateBucket creates a bucket.
func (s *Store) CreateBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[name]; ok {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	return s.record(journalEntry{Op: "bucket", Bucket: name, Time: s.now()})
}

// BucketExists reports whether the bucket exists.
func (s *Store) BucketExists(name string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.buckets[name]
	return ok, nil
}

// DeleteBucket deletes an empty bucket.
func (s *Store) DeleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	return s.record(journalEntry{Op: "unbucket", Bucket: name, Time: s.now()})
}

// ForceDeleteBucket deletes a bucket and everything in it.
func (s *Store) ForceDeleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.bucket(name); err != nil {
		return err
	}
	return s.record(journalEntry{Op: "unbucket", Bucket: name, Time: s.now()})
}

func (s *Store) open(v *fsVersion, rng *gofakes3.ObjectRangeRequest, head bool) (*gofakes3.Object, error) {
	hash, _ := hex.DecodeString(v.MD5)
	obj := &gofakes3.Object{Name: v.Key, Metadata: v.Meta, Size: v.Size, Hash: hash, VersionID: gofakes3.VersionID(v.VersionID)}
	if obj.Metadata == nil {
		obj.Metadata = map[string]string{}
	}
	if head {
		obj.Contents = io.NopCloser(bytes.NewReader(nil))
		return obj, nil
	}
	r, err := rng.Range(v.Size)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.blobPath(v.Blob))
	if err != nil {
		return nil, fmt.Errorf("local s3: object %s: %w", v.Key, err)
	}
	obj.Range = r
	if r == nil {
		obj.Contents = f
		return obj, nil
	}
	if _, err := f.Seek(r.Start, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	obj.Contents = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, r.Length), f}
	return obj, nil
}

func (s *Store) blobPath(sum string) string {
	return filepath.Join(s.dir, "blobs", sum[:2], sum)
}

// GetObject returns the current version of an object.
func (s *Store) GetObject(bucketName, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return s.GetObjectVersion(bucketName, key, "", rng)
}

// HeadObject returns the current version's metadata.
func (s *Store) HeadObject(bucketName, key string) (*gofakes3.Object, error) {
	return s.HeadObjectVersion(bucketName, key, "")
}

func (s *Store) find(bucketName, key string, version gofakes3.VersionID) (*fsVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	if version == "" {
		v := b.latest(key)
		if v == nil {
			return nil, gofakes3.KeyNotFound(key)
		}
		return v, nil
	}
	for _, v := range b.objects[key] {
		if v.VersionID == string(version) {
			if v.DeleteMarker {
				return nil, gofakes3.KeyNotFound(key)
			}
			return v, nil
		}
	}
	return nil, gofakes3.ErrorMessage(gofakes3.ErrNoSuchVersion, "The specified version does not exist.")
}

// PutObject stores a new version of an object, streaming the body to disk.
func (s *Store) PutObject(bucketName, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	s.mu.Lock()
	b, err := s.bucket(bucketName)
	if err == nil && conditions != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		if v := b.latest(key); v != nil {
			info.Exists = true
			info.Hash, _ = hex.DecodeString(v.MD5)
		}
		err = gofakes3.CheckPutConditions(conditions, info)
	}
	s.mu.Unlock()
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	sum, md5sum, n, err := s.writeBlob(input)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	if size >= 0 && n != size {
		return gofakes3.PutObjectResult{}, gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, "body size differs from Content-Length")
	}
	return s.commitPut(bucketName, key, meta, sum, md5sum, n)
}

func (s *Store) commitPut(bucketName, key string, meta map[string]string, sum, md5sum string, n int64) (gofakes3.PutObjectResult, error) {
	s.mu.Lock()
	b, err := s.bucket(bucketName)
	if err != nil {
		s.mu.Unlock()
		return gofakes3.PutObjectResult{}, err
	}
	now := s.now()
	v := &fsVersion{Key: key, Size: n, MD5: md5sum, Blob: sum, Meta: meta, Modified: now}
	var vid gofakes3.VersionID
	if b.versioning == gofakes3.VersioningEnabled {
		v.VersionID = s.nextVersion()
		vid = gofakes3.VersionID(v.VersionID)
	} else {
		v.VersionID = "null"
	}
	err = s.record(journalEntry{Op: "put", Bucket: bucketName, Time: now, Version: v, Seq: s.seq})
	s.mu.Unlock()
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	return gofakes3.PutObjectResult{VersionID: vid}, nil
}

// md5Reader is a reader that hashes what it reads with MD5 and tells the
// sum: gofakes3 reads every PutObject body through one (its hashingReader)
// to answer the ETag, so the store takes that sum rather than hash the body
// a second time.
type md5Reader interface {
	io.Reader
	Sum(b []byte) []byte
}

// copyBuffers are writeBlob's copy buffers: larger than io.Copy's 32 KB,
// for fewer write calls on chunk-sized bodies.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// writeBlob streams r into the blob store and returns the blob's name,
// the body's MD5 (hex) and its size. The MD5 is the one r computed when r
// is an md5Reader, which reads to the end here.
//
// A blob is named by its body's MD5, which S3 needs for the ETag anyway,
// so a body is hashed once (a second, stronger hash of every body was 20%
// of the store's CPU). MD5 collisions can be made on purpose, so a name is
// trusted only after a comparison: when a blob of that name exists with
// other bytes, the body takes the next free name (md5-1, md5-2, ...).
//
// The body is written to a temporary file first and linked under its name
// only once whole, and the journal names a blob only after that: a body
// cut short by a crash (kill -9) is never served, and a crash before the
// link leaves nothing but a temporary file. link(2) refuses to replace an
// existing name, so two writers of one name cannot swap each other's
// bytes.
func (s *Store) writeBlob(r io.Reader) (name, md5sum string, n int64, err error) {
	if s.readOnly {
		return "", "", 0, errors.New("local s3: the store is open read-only")
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "blobs"), "incoming-*")
	if err != nil {
		return "", "", 0, err
	}
	defer os.Remove(tmp.Name())
	// Hidden behind a plain Writer: *os.File's ReadFrom would copy
	// through its own 32 KB buffer instead of buf.
	var w io.Writer = struct{ io.Writer }{tmp}
	var m hash.Hash
	mr, reuse := r.(md5Reader)
	if !reuse {
		m = md5.New()
		w = io.MultiWriter(tmp, m)
	}
	buf := copyBuffers.Get().(*[]byte)
	n, err = io.CopyBuffer(w, r, *buf)
	copyBuffers.Put(buf)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", 0, err
	}
	if reuse {
		d := mr.Sum(nil)
		if len(d) != md5.Size {
			return "", "", 0, fmt.Errorf("local s3: body digest has %d bytes, want an MD5", len(d))
		}
		md5sum = hex.EncodeToString(d)
	} else {
		md5sum = hex.EncodeToString(m.Sum(nil))
	}
	if err := os.MkdirAll(filepath.Dir(s.blobPath(md5sum)), 0o755); err != nil {
		return "", "", 0, err
	}
	for i := 0; ; i++ {
		name = md5sum
		if i > 0 {
			name = fmt.Sprintf("%s-%d", md5sum, i)
		}
		dst := s.blobPath(name)
		err := os.Link(tmp.Name(), dst)
		if err != nil && !errors.Is(err, os.ErrExist) {
			err = s.renameIfFree(tmp.Name(), dst) // no hard links here
		}
		if err == nil {
			return name, md5sum, n, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", "", 0, fmt.Errorf("local s3: %w", err)
		}
		same, err := sameFile(tmp.Name(), dst, n)
		if err != nil {
			return "", "", 0, fmt.Errorf("local s3: %w", err)
		}
		if same {
			return name, md5sum, n, nil // stored once
		}
	}
}

// renameIfFree renames tmp to dst unless dst exists (os.ErrExist), for a
// filesystem without hard links. The check and the rename are two steps,
// so the store's writers take them under renameMu; rename(2) alone would
// replace a blob another writer just named.
func (s *Store) renameIfFree(tmp, dst string) error {
	s.renameMu.Lock()
	defer s.renameMu.Unlock()
	if _, err := os.Lstat(dst); !errors.Is(err, os.ErrNotExist) {
		if err == nil {
			err = os.ErrExist
		}
		return err
	}
	return os.Rename(tmp, dst)
}

// sameFile reports whether the files at a and b hold the same bytes; a
// has size n.
func sameFile(a, b string, n int64) (bool, error) {
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	if st, err := fb.Stat(); err != nil || st.Size() != n {
		return false, err
	}
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, erra := io.ReadFull(fa, ba)
		nb, errb := io.ReadFull(fb, bb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if erra != nil || errb != nil {
			switch {
			case isEOF(erra) && isEOF(errb):
				return true, nil
			case erra != nil && !isEOF(erra):
				return false, erra
			case errb != nil && !isEOF(errb):
				return false, errb
			}
			return false, nil
		}
	}
}

func isEOF(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }

// DeleteObject deletes the current version: with versioning on, by adding
// a delete marker.
func (s *Store) DeleteObject(bucketName, key string) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	now := s.now()
	if b.versioning == gofakes3.VersioningEnabled {
		v := &fsVersion{Key: key, VersionID: s.nextVersion(), DeleteMarker: true, Modified: now}
		if err := s.record(journalEntry{Op: "put", Bucket: bucketName, Time: now, Version: v, Seq: s.seq}); err != nil {
			return gofakes3.ObjectDeleteResult{}, err
		}
		return gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: gofakes3.VersionID(v.VersionID)}, nil
	}
	for _, v := range b.objects[key] {
		if err := s.record(journalEntry{Op: "delete", Bucket: bucketName, Time: now, Version: &fsVersion{Key: key, VersionID: v.VersionID}}); err != nil {
			return gofakes3.ObjectDeleteResult{}, err
		}
	}
	return gofakes3.ObjectDeleteResult{}, nil
}

// DeleteMulti deletes several objects.
func (s *Store) DeleteMulti(bucketName string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, k := range keys {
		if _, err := s.DeleteObject(bucketName, k); err != nil {
			res.Error = append(res.Error, gofakes3.ErrorResult{Key: k, Code: gofakes3.ErrInternal, Message: err.Error()})
			continue
		}
		res.Deleted = append(res.Deleted, gofakes3.ObjectID{Key: k})
	}
	return res, nil
}

// CopyObject copies the current version of an object to a new key without
// rewriting its body.
func (s *Store) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	v, err := s.find(srcBucket, srcKey, "")
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	if meta == nil {
		meta = v.Meta
	}
	if _, err := s.commitPut(dstBucket, dstKey, meta, v.Blob, v.MD5, v.Size); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: `"` + v.MD5 + `"`, LastModified: gofakes3.NewContentTime(s.now())}, nil
}

// VersioningConfiguration reports the bucket's versioning status.
func (s *Store) VersioningConfiguration(bucketName string) (gofakes3.VersioningConfiguration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, err
	}
	return gofakes3.VersioningConfiguration{Status: b.versioning}, nil
}

// SetVersioningConfiguration turns versioning on or suspends it.
func (s *Store) SetVersioningConfiguration(bucketName string, v gofakes3.VersioningConfiguration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.bucket(bucketName); err != nil {
		return err
	}
	return s.record(journalEntry{Op: "versioning", Bucket: bucketName, Time: s.now(), Versioning: string(v.Status)})
}

// GetObjectVersion returns one version of an object ("" for the current).
func (s *Store) GetObjectVersion(bucketName, key string, version gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	v, err := s.find(bucketName, key, version)
	if err != nil {
		return nil, err
	}
	return s.open(v, rng, false)
}

// HeadObjectVersion returns one version's metadata.
func (s *Store) HeadObjectVersion(bucketName, key string, version gofakes3.VersionID) (*gofakes3.Object, error) {
	v, err := s.find(bucketName, key, version)
	if err != nil {
		return nil, err
	}
	return s.open(v, nil, true)
}

// DeleteObjectVersion removes one version permanently.
func (s *Store) DeleteObjectVersion(bucketName, key string, version gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	for _, v := range b.objects[key] {
		if v.VersionID == string(version) {
			err := s.record(journalEntry{Op: "delete", Bucket: bucketName, Time: s.now(), Version: &fsVersion{Key: key, VersionID: v.VersionID}})
			return gofakes3.ObjectDeleteResult{VersionID: version, IsDeleteMarker: v.DeleteMarker}, err
		}
	}
	return gofakes3.ObjectDeleteResult{}, gofakes3.ErrorMessage(gofakes3.ErrNoSuchVersion, "The specified version does not exist.")
}

// DeleteMultiVersions removes several versions permanently.
func (s *Store) DeleteMultiVersions(bucketName string, objects ...gofakes3.ObjectID) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, o := range objects {
		var err error
		if o.VersionID == "" {
			_, err = s.DeleteObject(bucketName, o.Key)
		} else {
			_, err = s.DeleteObjectVersion(bucketName, o.Key, gofakes3.VersionID(o.VersionID))
		}
		if err != nil {
			res.Error = append(res.Error, gofakes3.ErrorResult{Key: o.Key, Code: gofakes3.ErrInternal, Message: err.Error()})
			continue
		}
		res.Deleted = append(res.Deleted, o)
	}
	return res, nil
}

// ListBucketVersions lists every version, newest first within a key;
// with a delimiter, the keys below it come back as common prefixes.
func (s *Store) ListBucketVersions(bucketName string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	res := gofakes3.NewListBucketVersionsResult(bucketName, prefix, page)
	max := page.MaxKeys
	if max <= 0 {
		max = 1000
	}
	var n int64
	seenPrefix := map[string]bool{}
	for _, k := range b.sortedKeys() {
		var m gofakes3.PrefixMatch
		if !prefix.Match(k, &m) || (page.HasKeyMarker && k < page.KeyMarker) {
			continue
		}
		if m.CommonPrefix {
			// With a delimiter, keys below it roll up into one common
			// prefix, as S3 lists them (the reconciler's top-level scan).
			if !seenPrefix[m.MatchedPart] {
				seenPrefix[m.MatchedPart] = true
				res.CommonPrefixes = append(res.CommonPrefixes, m.AsCommonPrefix())
			}
			continue
		}
		vs := b.objects[k]
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if page.HasKeyMarker && k == page.KeyMarker && page.HasVersionIDMarker && v.VersionID > string(page.VersionIDMarker) {
				continue
			}
			if n >= max {
				res.IsTruncated = true
				res.NextKeyMarker = k
				res.NextVersionIDMarker = gofakes3.VersionID(v.VersionID)
				return res, nil
			}
			latest := i == len(vs)-1
			if v.DeleteMarker {
				res.Versions = append(res.Versions, &gofakes3.DeleteMarker{Key: k, VersionID: gofakes3.VersionID(v.VersionID), IsLatest: latest, LastModified: gofakes3.NewContentTime(v.Modified)})
			} else {
				res.Versions = append(res.Versions, &gofakes3.Version{Key: k, VersionID: gofakes3.VersionID(v.VersionID), IsLatest: latest, LastModified: gofakes3.NewContentTime(v.Modified), Size: v.Size, ETag: `"` + v.MD5 + `"`})
			}
			n++
		}
	}
	return res, nil
}

// Handler serves store through gofakes3's S3 REST API (path-style
// addressing, integrity checks on), for an HTTP server on the loopback
// interface.
func Handler(store *Store) http.Handler {
	return gofakes3.New(store, gofakes3.WithIntegrityCheck(true), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
}
