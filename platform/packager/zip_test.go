package packager

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestZipIsReproducible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	content := []byte("#!/bin/sh\necho hello\n")
	if err := os.WriteFile(bin, content, 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	hashA, err := Zip(bin, a)
	if err != nil {
		t.Fatal(err)
	}
	// A different mtime and mode on the input must not change the output.
	if err := os.Chtimes(bin, time1999, time1999); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	hashB, err := Zip(bin, b)
	if err != nil {
		t.Fatal(err)
	}
	if hashA != hashB {
		t.Errorf("hashes differ: %s vs %s", hashA, hashB)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("zips differ")
	}
	if got, _ := HashFile(a); got != hashA {
		t.Errorf("HashFile = %s, Zip returned %s", got, hashA)
	}

	zr, err := zip.NewReader(bytes.NewReader(da), int64(len(da)))
	if err != nil {
		t.Fatal(err)
	}
	type hdr struct {
		Name     string
		Mode     os.FileMode
		Date     uint16
		Time     uint16
		Extra    int
		Method   uint16
		Contents string
	}
	var got []hdr
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hdr{f.Name, f.Mode(), f.ModifiedDate, f.ModifiedTime, len(f.Extra), f.Method, string(data)})
	}
	want := []hdr{{"bootstrap", 0o755, zipEpochDate, zipEpochTime, 0, zip.Deflate, string(content)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zip entries (-want +got):\n%s", diff)
	}
}

func TestZipBytesSortsEntries(t *testing.T) {
	t.Parallel()
	data, err := zipBytes([]entry{{name: "z", mode: 0o644}, {name: "a", mode: 0o755}})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"a", "z"}, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	want := []string{"build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=", "-o", "/o/bootstrap", "./functions/cmd/load"}
	if diff := cmp.Diff(want, Args("load", "/o/bootstrap")); diff != "" {
		t.Errorf("Args (-want +got):\n%s", diff)
	}
}

func TestBinaryRejectsBadNames(t *testing.T) {
	t.Parallel()
	for _, fn := range []string{"", "../x", "a/b", "."} {
		if _, err := Binary(t.Context(), ".", fn, t.TempDir(), Options{}); err == nil {
			t.Errorf("Binary(%q) succeeded", fn)
		}
	}
}
