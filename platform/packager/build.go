package packager

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Defaults of Options.
const (
	// DefaultGOOS is the operating system of the Lambda runtime.
	DefaultGOOS = "linux"
	// DefaultGOARCH is the architecture Sluice deploys (Graviton).
	DefaultGOARCH = "arm64"
	// BinaryName is the executable name the provided.al2023 runtime runs.
	BinaryName = "bootstrap"
	// CmdDir is the folder, relative to the module root, holding one
	// main package per function.
	CmdDir = "functions/cmd"
)

// Options tune a build. The zero value builds for Lambda on arm64 with the go
// command found on PATH.
type Options struct {
	// GOOS is the target operating system. Default: "linux".
	GOOS string
	// GOARCH is the target architecture; set "amd64" to run the binary under
	// the Runtime Interface Emulator on an amd64 host. Default: "arm64".
	GOARCH string
	// Go is the go command to run. Default: "go" from PATH.
	Go string
	// Stderr receives the go command's diagnostics in addition to the error
	// returned on failure. Default: discarded.
	Stderr io.Writer
}

func (o Options) withDefaults() Options {
	if o.GOOS == "" {
		o.GOOS = DefaultGOOS
	}
	if o.GOARCH == "" {
		o.GOARCH = DefaultGOARCH
	}
	if o.Go == "" {
		o.Go = "go"
	}
	return o
}

// DefaultDir returns the folder packaging writes into by default: build/lambda
// under the module root (git-ignored).
func DefaultDir(moduleRoot string) string {
	return filepath.Join(moduleRoot, "build", "lambda")
}

// Functions lists the functions that have a main package under
// functions/cmd of moduleRoot, sorted by name.
func Functions(moduleRoot string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(moduleRoot, CmdDir))
	if err != nil {
		return nil, fmt.Errorf("build: list functions: %w", err)
	}
	var fns []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(moduleRoot, CmdDir, e.Name(), "main.go")); err == nil {
			fns = append(fns, e.Name())
		}
	}
	sort.Strings(fns)
	return fns, nil
}

// Args returns the go command arguments Binary runs for function fn writing
// to out, exposed so that callers (and tests) can show or check them.
func Args(fn, out string) []string {
	return []string{
		"build",
		"-trimpath",
		"-buildvcs=false",
		"-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=",
		"-o", out,
		"./" + CmdDir + "/" + fn,
	}
}

// Binary compiles functions/cmd/<fn> of the module at moduleRoot into
// outDir/<fn>/<GOOS>_<GOARCH>/bootstrap and returns that path.
//
// CGO is disabled and GOFLAGS cleared so that the caller's environment
// (such as -race or -cover from a test run) cannot change the output.
func Binary(ctx context.Context, moduleRoot, fn, outDir string, opts Options) (string, error) {
	opts = opts.withDefaults()
	if err := checkName(fn); err != nil {
		return "", err
	}
	dir := filepath.Join(outDir, fn, opts.GOOS+"_"+opts.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", fn, err)
	}
	out := filepath.Join(dir, BinaryName)
	tmp, err := os.CreateTemp(dir, "."+BinaryName+"-*")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", fn, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)

	absTmp, err := filepath.Abs(tmpName)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", fn, err)
	}
	cmd := exec.CommandContext(ctx, opts.Go, Args(fn, absTmp)...)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(),
		"GOOS="+opts.GOOS,
		"GOARCH="+opts.GOARCH,
		"CGO_ENABLED=0",
		"GOFLAGS=",
		"GOEXPERIMENT=",
	)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if opts.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, opts.Stderr)
		cmd.Stdout = cmd.Stderr
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: go build: %w: %s", fn, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Chmod(tmpName, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", fn, err)
	}
	if err := os.Rename(tmpName, out); err != nil {
		return "", fmt.Errorf("build %s: %w", fn, err)
	}
	return out, nil
}

// zipEpoch is 1980-01-01 00:00:00 in MS-DOS date/time encoding, the earliest
// time a zip can hold. Setting the raw fields rather than FileHeader.Modified
// keeps archive/zip from adding an extended-timestamp extra field.
const (
	zipEpochDate = 1<<5 | 1 // year 0 (1980), month 1, day 1
	zipEpochTime = 0
)

// Zip writes a deployment zip at zipPath holding the file at binaryPath as
// the single entry "bootstrap" (mode 0755, fixed timestamp, deflated), and
// returns the base64 standard encoding of the zip's SHA-256 — the value of
// Lambda's source_code_hash. The same binary always gives the same bytes.
func Zip(binaryPath, zipPath string) (sourceCodeHash string, err error) {
	bin, err := os.ReadFile(binaryPath)
	if err != nil {
		return "", fmt.Errorf("zip: %w", err)
	}
	data, err := zipBytes([]entry{{name: BinaryName, mode: 0o755, data: bin}})
	if err != nil {
		return "", fmt.Errorf("zip %s: %w", zipPath, err)
	}
	if err := writeFileAtomic(zipPath, data); err != nil {
		return "", fmt.Errorf("zip: %w", err)
	}
	return hashOf(data), nil
}

// Package builds function fn (see Binary) and zips it into
// outDir/<fn>_<GOOS>_<GOARCH>.zip, returning the zip's path and its
// source_code_hash (base64 SHA-256).
func Package(ctx context.Context, moduleRoot, fn, outDir string, opts Options) (zipPath, sourceCodeHash string, err error) {
	opts = opts.withDefaults()
	bin, err := Binary(ctx, moduleRoot, fn, outDir, opts)
	if err != nil {
		return "", "", err
	}
	zipPath = filepath.Join(outDir, fn+"_"+opts.GOOS+"_"+opts.GOARCH+".zip")
	hash, err := Zip(bin, zipPath)
	if err != nil {
		return "", "", fmt.Errorf("package %s: %w", fn, err)
	}
	return zipPath, hash, nil
}

// HashFile returns the source_code_hash (base64 SHA-256) of an existing file.
func HashFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	return hashOf(data), nil
}

type entry struct {
	name string
	mode os.FileMode
	data []byte
}

func zipBytes(entries []entry) ([]byte, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{
			Name:   e.name,
			Method: zip.Deflate,
		}
		h.ModifiedDate = zipEpochDate
		h.ModifiedTime = zipEpochTime
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func checkName(fn string) error {
	if fn == "" || strings.ContainsAny(fn, `/\.`) {
		return errors.New("build: invalid function name " + fmt.Sprintf("%q", fn))
	}
	return nil
}

// ModuleRoot returns the nearest folder at or above dir that holds a go.mod.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("build: module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("build: module root: no go.mod above " + dir)
		}
		dir = parent
	}
}
