package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/packager"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// FunctionNames are the pipeline's functions, by their logical names.
var FunctionNames = []string{pipeline.FunctionValidate, pipeline.FunctionTransform, pipeline.FunctionEnrich, pipeline.FunctionLoad}

// FunctionReconcile is the reconciler's logical name: a function of its
// own component (platform/reconciler), not one of the pipeline's.
const FunctionReconcile = "reconcile"

// functionDescriptions say what each function does.
var functionDescriptions = map[string]string{
	pipeline.FunctionValidate:  "Sluice: check a file against its dataset's schema",
	pipeline.FunctionTransform: "Sluice: stage a file's records as JSON Lines chunks",
	pipeline.FunctionEnrich:    "Sluice: enrich one staged chunk",
	pipeline.FunctionLoad:      "Sluice: write one chunk to the dataset's table",
	FunctionReconcile:          "Sluice: find (and redrive) files no execution claimed",
}

// Package is one built function.
type Package struct {
	// ZipPath is the deployment zip; SourceCodeHash its base64 SHA-256.
	ZipPath, SourceCodeHash string
}

// Packager builds a function's deployment zip.
type Packager interface {
	Package(fn string) (Package, error)
}

// BuildPackager packages functions with platform/packager into OutDir, once
// per function and process: later calls return the first result, so the
// program, the preview and tests pay for each build once.
type BuildPackager struct {
	// ModuleRoot holds go.mod and functions/cmd.
	ModuleRoot string
	// OutDir receives the zips. Default: packager.DefaultDir(ModuleRoot).
	OutDir string
	// Progress, when set, receives a line as each build starts and ends
	// (its zip's size and the time it took) and, while any is running, a
	// line every ProgressEvery naming them: a cold build of the five
	// functions takes minutes on two cores, and the preview and `pulumi
	// up` were silent for all of it.
	Progress io.Writer
	// ProgressEvery is the period of the "still building" lines.
	// Default: 15 s.
	ProgressEvery time.Duration

	mu      sync.Mutex
	done    map[string]Package
	pmu     sync.Mutex
	running map[string]time.Time
	builder func(fn string) (Package, error) // tests; default b.buildZip
}

// progressf writes a progress line, if anyone listens.
func (b *BuildPackager) progressf(format string, args ...any) {
	if b.Progress == nil {
		return
	}
	b.pmu.Lock()
	defer b.pmu.Unlock()
	fmt.Fprintf(b.Progress, format+"\n", args...)
}

// watch prints "still building" lines until stop is closed.
func (b *BuildPackager) watch(stop <-chan struct{}) {
	every := b.ProgressEvery
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			b.pmu.Lock()
			var names []string
			var oldest time.Time
			for fn, at := range b.running {
				names = append(names, fn)
				if oldest.IsZero() || at.Before(oldest) {
					oldest = at
				}
			}
			b.pmu.Unlock()
			if len(names) > 0 {
				slices.Sort(names)
				b.progressf("still building %s (%s so far)", strings.Join(names, ", "), time.Since(oldest).Round(time.Second))
			}
		}
	}
}

// Prebuild builds the functions that have a main package concurrently and
// keeps the results for Package; failures are left for Package to report.
func (b *BuildPackager) Prebuild(fns ...string) {
	var wg sync.WaitGroup
	if b.Progress != nil {
		stop := make(chan struct{})
		defer close(stop)
		go b.watch(stop)
		start := time.Now()
		b.progressf("building %d functions for linux/arm64 (%s): a cold build takes a few minutes on two cores, a cached one seconds", len(fns), strings.Join(fns, ", "))
		defer func() { b.progressf("built the functions in %s", time.Since(start).Round(time.Second)) }()
	}
	for _, fn := range fns {
		if _, err := os.Stat(filepath.Join(b.ModuleRoot, packager.CmdDir, fn, "main.go")); err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := b.build(fn)
			if err != nil {
				return
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.done == nil {
				b.done = map[string]Package{}
			}
			b.done[fn] = p
		}()
	}
	wg.Wait()
}

// Package builds fn, or returns the earlier result.
func (b *BuildPackager) Package(fn string) (Package, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.done[fn]; ok {
		return p, nil
	}
	p, err := b.build(fn)
	if err != nil {
		return Package{}, err
	}
	if b.done == nil {
		b.done = map[string]Package{}
	}
	b.done[fn] = p
	return p, nil
}

// build builds fn, reporting its progress.
func (b *BuildPackager) build(fn string) (Package, error) {
	start := time.Now()
	b.pmu.Lock()
	if b.running == nil {
		b.running = map[string]time.Time{}
	}
	b.running[fn] = start
	b.pmu.Unlock()
	b.progressf("building %s…", fn)
	builder := b.builder
	if builder == nil {
		builder = b.buildZip
	}
	p, err := builder(fn)
	b.pmu.Lock()
	delete(b.running, fn)
	b.pmu.Unlock()
	took := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case err != nil:
		b.progressf("building %s failed after %s: %v", fn, took, err)
	default:
		size := ""
		if st, serr := os.Stat(p.ZipPath); serr == nil {
			size = fmt.Sprintf(", %.1f MiB", float64(st.Size())/(1<<20))
		}
		b.progressf("built %s in %s (%s%s)", fn, took, filepath.Base(p.ZipPath), size)
	}
	return p, err
}

// buildZip builds fn's zip with platform/packager.
func (b *BuildPackager) buildZip(fn string) (Package, error) {
	out := b.OutDir
	if out == "" {
		out = packager.DefaultDir(b.ModuleRoot)
	}
	zip, hash, err := packager.Package(context.Background(), b.ModuleRoot, fn, out, packager.Options{})
	if err != nil {
		return Package{}, err
	}
	return Package{ZipPath: zip, SourceCodeHash: hash}, nil
}

// PlaceholderPackager returns an empty zip for every function without
// building anything, for previews that do not need real code (the hash
// is then that of the empty zip and says nothing about the code).
type PlaceholderPackager struct {
	// Dir receives the placeholder zip.
	Dir string
}

// emptyZip is a zip archive with no entries (the end-of-central-directory
// record only).
var emptyZip = []byte{0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// Package writes the placeholder zip.
func (p PlaceholderPackager) Package(fn string) (Package, error) {
	path := filepath.Join(p.Dir, "placeholder-"+fn+".zip")
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return Package{}, err
	}
	if err := os.WriteFile(path, emptyZip, 0o644); err != nil {
		return Package{}, err
	}
	h, err := packager.HashFile(path)
	if err != nil {
		return Package{}, err
	}
	return Package{ZipPath: path, SourceCodeHash: h}, nil
}

// datasetPrefixes are the S3 prefixes of one dataset the functions use.
type datasetPrefixes struct {
	incoming, staging, reports string
}

func prefixesOf(d *dataset.Dataset) datasetPrefixes {
	return datasetPrefixes{
		incoming: d.Prefix,
		staging:  contract.StagingPrefix + d.Name + "/",
		reports:  contract.ReportsPrefix + d.Name + "/",
	}
}

// FunctionPolicy returns what function fn may do for the datasets: the
// exact S3 prefixes it reads and writes, with the exact read action, the
// table actions it calls and the stack key. ${bucket}, ${key} and
// ${table:<logical>} stand for the ARNs. The actions are the calls each
// handler makes, which the IAM proof (go run ./cmd/preview --iam,
// docs/iam.md) records and checks against this policy:
//
//   - validate and transform read the incoming file version
//     (GetObject with a version id: s3:GetObjectVersion); validate writes
//     its reports, transform the staging chunks and the manifest
//     (quarantine copies are made by the state machine);
//   - enrich reads and writes staging chunks (s3:GetObject, no version)
//     and reads (BatchGetItem) the tables of the datasets its lookups name;
//   - load reads staging chunks (s3:GetObject) and the source version's
//     metadata (HeadObject with a version id: s3:GetObjectVersion), reads
//     the target items it may replace (BatchGetItem, for the ordering of
//     newer source versions) and writes them (BatchWriteItem, and PutItem
//     for its conditional writes) in the datasets' target tables.
//
// Every function decrypts with the stack key (S3 SSE-KMS reads, DynamoDB
// tables under the key); those that write objects also generate data keys
// (S3 SSE-KMS writes). Writes are single PutObject calls: no multipart
// upload, so no s3:AbortMultipartUpload.
func FunctionPolicy(fn string, ds []*dataset.Dataset) (policy.Document, error) {
	var readLatest, readVersion, write []string
	tables := map[string][]string{}
	byName := map[string]*dataset.Dataset{}
	for _, d := range ds {
		byName[d.Name] = d
	}
	obj := func(prefix string) string { return "${bucket}/" + prefix + "*" }
	for _, d := range ds {
		p := prefixesOf(d)
		switch fn {
		case pipeline.FunctionValidate:
			readVersion = append(readVersion, obj(p.incoming))
			write = append(write, obj(p.reports))
		case pipeline.FunctionTransform:
			readVersion = append(readVersion, obj(p.incoming))
			write = append(write, obj(p.staging))
		case pipeline.FunctionEnrich:
			readLatest = append(readLatest, obj(p.staging))
			write = append(write, obj(p.staging))
			for _, l := range d.Enrichment.Lookups {
				ref, ok := byName[l.From]
				if !ok {
					return policy.Document{}, fmt.Errorf("platform: dataset %s looks up unknown dataset %q", d.Name, l.From)
				}
				tables[string(ref.TargetTable())] = []string{"dynamodb:BatchGetItem"}
			}
		case pipeline.FunctionLoad:
			readLatest = append(readLatest, obj(p.staging))
			readVersion = append(readVersion, obj(p.incoming))
			tables[string(d.TargetTable())] = []string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem"}
		default:
			return policy.Document{}, fmt.Errorf("platform: unknown function %q", fn)
		}
	}
	doc := policy.Document{}
	if len(readLatest) > 0 {
		doc.Statement = append(doc.Statement, policy.Allow("ReadObjects", []string{"s3:GetObject"}, readLatest))
	}
	if len(readVersion) > 0 {
		doc.Statement = append(doc.Statement, policy.Allow("ReadObjectVersions", []string{"s3:GetObjectVersion"}, readVersion))
	}
	if len(write) > 0 {
		doc.Statement = append(doc.Statement, policy.Allow("WriteObjects", []string{"s3:PutObject"}, write))
	}
	for _, t := range []string{string(dataset.TableItems), string(dataset.TableReference)} {
		if acts, ok := tables[t]; ok {
			doc.Statement = append(doc.Statement, policy.Allow("Table"+titleCase(t), acts, []string{"${table:" + t + "}"}))
		}
	}
	keyActs := []string{"kms:Decrypt"}
	if len(write) > 0 {
		keyActs = append(keyActs, "kms:GenerateDataKey")
	}
	doc.Statement = append(doc.Statement, policy.Allow("UseStackKey", keyActs, []string{"${key}"}))
	return doc, nil
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// ReconcilePolicy returns what the reconciler may do: list the bucket's
// object versions outside the pipeline's own prefixes, read the ledger and
// record ended executions in it, describe the pipeline's executions, use
// the stack key (the ledger's), and with redrive start the state machine.
// ${bucket}, ${table:ledger}, ${key} and ${machine} stand for the ARNs,
// ${executions} for the machine's executions ("arn:...:execution:NAME:*").
//
// The listing is scoped with the s3:prefix and s3:delimiter condition keys
// of s3:ListBucketVersions: the top level only with the delimiter "/"
// (prefix ""), which returns top-level keys and prefixes, not the keys
// below; and any prefix holding a "/" but none of the pipeline's own
// (StringNotLike is safe here: the StringLike beside it requires the key).
func ReconcilePolicy(redrive bool) policy.Document {
	var internal []string
	for _, p := range contract.InternalPrefixes() {
		internal = append(internal, p+"*")
	}
	list := []string{"s3:ListBucketVersions"}
	doc := policy.Document{Statement: []policy.Statement{
		{Sid: "ListTopLevel", Effect: "Allow", Action: list, Resource: []string{"${bucket}"},
			Condition: map[string]map[string][]string{"StringEquals": {"s3:prefix": {""}, "s3:delimiter": {"/"}}}},
		{Sid: "ListOutsideInternalPrefixes", Effect: "Allow", Action: list, Resource: []string{"${bucket}"},
			Condition: map[string]map[string][]string{"StringLike": {"s3:prefix": {"*/*"}}, "StringNotLike": {"s3:prefix": internal}}},
		policy.Allow("ReadLedger", []string{"dynamodb:BatchGetItem"}, []string{"${table:" + pipeline.TableLedger + "}"}),
		// An execution status change event's end is written on the
		// execution's own RUNNING claim (a conditional UpdateItem).
		policy.Allow("RecordEndedExecutions", []string{"dynamodb:UpdateItem"}, []string{"${table:" + pipeline.TableLedger + "}"}),
		// Is the execution holding a RUNNING claim still running? Only
		// the pipeline's executions.
		policy.Allow("DescribePipelineExecutions", []string{"states:DescribeExecution"}, []string{"${executions}"}),
	}}
	if redrive {
		doc.Statement = append(doc.Statement, policy.Allow("StartPipeline", []string{"states:StartExecution"}, []string{"${machine}"}))
	}
	doc.Statement = append(doc.Statement, policy.Allow("UseStackKey", []string{"kms:Decrypt"}, []string{"${key}"}))
	return doc
}

// ReconcileRules returns the reconciler's SLUICE_RECONCILE_RULES for the
// bucket: every dataset's rule pattern (routing.ForDataset), as the
// events component deploys it.
func ReconcileRules(bucket string, ds []*dataset.Dataset) (string, error) {
	rules := contract.ReconcileRules{}
	for _, d := range ds {
		text, err := routing.Marshal(routing.ForDataset(bucket, d))
		if err != nil {
			return "", err
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			return "", err
		}
		rules[d.Name] = p
	}
	return rules.Encode()
}

// LambdaEnvironmentLimit is the most a function's environment variables
// may hold together, names and values: 4 KB
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const LambdaEnvironmentLimit = 4096

// environmentSize is what Lambda counts of an environment.
func environmentSize(env map[string]string) int {
	n := 0
	for k, v := range env {
		n += len(k) + len(v)
	}
	return n
}
