package cost

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// resourcePrefix names the functions of the machine Machine compiles:
// "cost-validate", "cost-load", ...
const resourcePrefix = "cost"

// Machine compiles the stack's state machine as the platform deploys it:
// the pipeline's options for the stack (pipeline.StackOptions; the
// defaults for another stack) with the stack's overrides, the same
// precedence as platform.PipelineOptions. The ARNs are synthetic.
func Machine(s Stack) (*asl.StateMachine, pipeline.Options, error) {
	o := stackOptions(s)
	compiled, err := pipeline.Build(resolver(), o)
	if err != nil {
		return nil, o, err
	}
	// Fill the defaults Build applied, for the caller's arithmetic.
	if o.MapExecutionType == "" {
		o.MapExecutionType = pipeline.Express
	}
	o.MapExecutionType = strings.ToUpper(o.MapExecutionType)
	if o.InlineMaxChunks == 0 {
		o.InlineMaxChunks = 1
	}
	return compiled.Machine, o, nil
}

// BatchMachine compiles the stack's batch state machine as the platform
// deploys it when batchDatasets names a dataset (platform.BatchOptions):
// the per-file machine's options, and batchMaxFiles, batchMaxConcurrency
// and batchExpressMaxKb.
func BatchMachine(s Stack) (*asl.StateMachine, error) {
	compiled, err := pipeline.BuildBatch(resolver(), stackOptions(s), pipeline.BatchOptions{
		MaxFiles: s.BatchMaxFiles, MaxConcurrency: s.BatchMaxConcurrency, ExpressMaxBytes: int64(s.BatchExpressMaxKB) << 10,
	})
	if err != nil {
		return nil, err
	}
	return compiled.Machine, nil
}

// stackOptions are the pipeline's options for the stack, before Build's
// defaults.
func stackOptions(s Stack) pipeline.Options {
	o, err := pipeline.StackOptions(s.Name)
	if err != nil {
		o = pipeline.Options{}
	}
	if s.MapExecutionType != "" {
		o.MapExecutionType = s.MapExecutionType
	}
	if s.MapMaxConcurrency > 0 {
		o.MaxConcurrency = s.MapMaxConcurrency
	}
	return o
}

// resolver names the machines' resources with synthetic ARNs.
func resolver() workflow.Resolver {
	return workflow.SyntheticResolver(pipeline.SyntheticAccount, pipeline.SyntheticRegion, resourcePrefix)
}

// Path is what one LOADED file does in a state machine: the states it
// enters and the calls it makes, in the parent execution and in each chunk
// execution of a Distributed Map.
type Path struct {
	// Chunks is the file's chunk count the path was taken with.
	Chunks int
	// Distributed is true when the file went through a Distributed Map.
	Distributed bool
	// States are the states the parent execution entered, in order; each
	// is one Standard state transition.
	States []string
	// ChunkStates are the states one chunk execution entered (empty on
	// the inline path).
	ChunkStates []string
	// Tasks and ChunkTasks count the Task states of States and
	// ChunkStates: the steps a retry repeats.
	Tasks, ChunkTasks int
	// Invocations counts the Lambda invocations of the parent execution
	// by function (logical name: validate, transform, enrich, load);
	// ChunkInvocations those of one chunk execution.
	Invocations, ChunkInvocations map[string]int
	// Calls counts the service integration calls of the parent by
	// resource ("dynamodb:putItem", "sns:publish", ...).
	Calls map[string]int
	// MapReads and MapWrites count the Distributed Map's own S3 calls
	// (ItemReader GetObject, ResultWriter PutObject).
	MapReads, MapWrites int
}

// Transitions is the file's Standard state transitions without retries:
// the parent's, plus the chunk executions' when they are STANDARD.
func (p Path) Transitions(childStandard bool) int {
	n := len(p.States)
	if childStandard {
		n += p.Chunks * len(p.ChunkStates)
	}
	return n
}

// TakePath runs machine in the local engine for one file that loads
// cleanly with the given chunk count (and enrichment declared or not):
// every Lambda returns what a successful run returns, every service call
// succeeds. A file with no chunk to load (all rows filtered) is not a
// case it models: chunks must be at least 1.
func TakePath(machine *asl.StateMachine, chunks int, enrich bool) (Path, error) {
	if machine == nil {
		return Path{}, fmt.Errorf("cost: no state machine")
	}
	if chunks < 1 {
		return Path{}, fmt.Errorf("cost: %d chunks: want at least 1", chunks)
	}
	stub := &stubs{chunks: chunks, enrich: enrich}
	in := contract.FileEvent{Dataset: "d", Bucket: "b", Key: "incoming/d/f.csv", VersionID: "v1", Size: 1}
	res, err := stub.run(machine, in)
	if err != nil {
		return Path{}, err
	}
	if out, _ := res.Output.(map[string]any); out == nil || out["status"] != contract.StatusLoaded {
		return Path{}, fmt.Errorf("cost: the stub run's output is %v, not LOADED", res.Output)
	}
	lv, err := tally(machine, res.History, stub, []int{1, chunks})
	if err != nil {
		return Path{}, err
	}
	return lv[0].path(lv[1], chunks, stub.gets, stub.puts), nil
}

// BatchPath is what one execution of the batch machine does for files
// that each load cleanly: its own states, and one child execution's path
// per file.
type BatchPath struct {
	// Files is the file count the path was taken with.
	Files int
	// States are the states the batch execution itself entered, in
	// order; Tasks counts its Task states.
	States []string
	Tasks  int
	// Lists counts the ItemReader's listings of the prefix (one
	// ListObjectsV2 page each).
	Lists int
	// File is one file's child execution: its States are the child's
	// (Head, the per-file stages in the File branch, Archive, Settle, ...);
	// its Calls include the child's S3 calls ("aws-sdk:s3:headObject",
	// "aws-sdk:s3:copyObject", "aws-sdk:s3:deleteObject"). For a file
	// handed to the per-file machine it is the child that hands it over.
	File Path
	// HandedOff is set when the child handed the file to the per-file
	// machine (states:startExecution): a file larger than the batch's
	// ExpressMaxBytes, or of more chunks than load inline. Settle is then
	// the child of the next batch, which finds the file's outcome in the
	// ledger and settles it.
	HandedOff bool
	Settle    Path
}

// Children is the child executions a file costs: one, or two for a file
// handed to the per-file machine (the hand-off, then the settling).
func (b BatchPath) Children() int {
	if b.HandedOff {
		return 2
	}
	return 1
}

// TakeBatchPath runs the batch machine in the local engine for one batch
// execution whose listing returns files pending files of size bytes, each
// of which loads cleanly with the given chunk count: every Lambda returns
// what a successful run returns, every service call succeeds. A file the
// batch hands to the per-file machine is followed into the next batch,
// whose ledger reads find it LOADED (BatchPath.Settle).
func TakeBatchPath(machine *asl.StateMachine, files, chunks int, size int64, enrich bool) (BatchPath, error) {
	if machine == nil {
		return BatchPath{}, fmt.Errorf("cost: no batch state machine")
	}
	if files < 1 || chunks < 1 || size < 1 {
		return BatchPath{}, fmt.Errorf("cost: %d files of %d chunks and %d bytes: want at least 1 of each", files, chunks, size)
	}
	bp, sum, err := batchRun(machine, &stubs{chunks: chunks, enrich: enrich, files: files, size: size})
	if err != nil {
		return BatchPath{}, err
	}
	switch {
	case sum.Files == int64(files) && sum.Loaded == int64(files):
		return bp, nil
	case sum.Files != int64(files) || sum.HandedOff != int64(files):
		return BatchPath{}, fmt.Errorf("cost: the stub batch's output is %+v, not %d files LOADED or handed off", sum, files)
	}
	settle, sum, err := batchRun(machine, &stubs{chunks: chunks, enrich: enrich, files: files, size: size, ledger: contract.StatusLoaded})
	if err != nil {
		return BatchPath{}, err
	}
	if sum.Files != int64(files) || sum.Loaded+sum.Duplicate != int64(files) || sum.Unsettled != 0 {
		return BatchPath{}, fmt.Errorf("cost: the stub batch after the hand-off: %+v, not %d files settled", sum, files)
	}
	bp.HandedOff, bp.Settle = true, settle.File
	return bp, nil
}

// batchRun runs one batch execution with stub and returns its path and
// summary.
func batchRun(machine *asl.StateMachine, stub *stubs) (BatchPath, pipeline.BatchSummary, error) {
	var out pipeline.BatchSummary
	res, err := stub.run(machine, pipeline.BatchInput{Dataset: "d", Prefix: "incoming/d/"})
	if err != nil {
		return BatchPath{}, out, err
	}
	if b, err := json.Marshal(res.Output); err != nil || json.Unmarshal(b, &out) != nil {
		return BatchPath{}, out, fmt.Errorf("cost: the stub batch's output %v is no summary", res.Output)
	}
	files := stub.files
	lv, err := tally(machine, res.History, stub, []int{1, files, files * stub.chunks})
	if err != nil {
		return BatchPath{}, out, err
	}
	if stub.gets%files != 0 || stub.puts%files != 0 {
		return BatchPath{}, out, fmt.Errorf("cost: %d reads and %d writes of the chunk maps over %d files: the files differ", stub.gets, stub.puts, files)
	}
	return BatchPath{
		Files: files, States: lv[0].states, Tasks: lv[0].tasks, Lists: stub.lists,
		File: lv[1].path(lv[2], stub.chunks, stub.gets/files, stub.puts/files),
	}, out, nil
}

// level is what the executions at one depth of Distributed Maps did, per
// execution: depth 0 is the execution itself, 1 its Distributed Map's
// children, 2 theirs.
type level struct {
	states      []string
	tasks       int
	invocations map[string]int // Lambda invocations by function
	calls       map[string]int // service integration calls by resource
}

// path is the Path of a file whose own execution did l and each of whose
// chunk executions did chunk.
func (l level) path(chunk level, chunks, mapReads, mapWrites int) Path {
	return Path{Chunks: chunks, Distributed: len(chunk.states) > 0, States: l.states, ChunkStates: chunk.states,
		Tasks: l.tasks, ChunkTasks: chunk.tasks, Invocations: l.invocations, ChunkInvocations: chunk.invocations,
		Calls: l.calls, MapReads: mapReads, MapWrites: mapWrites}
}

// tally splits an execution's history and the stubs' calls by depth of
// Distributed Maps: per[d] is how many executions of depth d the run had,
// and the counts are divided by it (one it does not divide means the
// executions differ, which a clean run's do not).
func tally(machine *asl.StateMachine, h engine.History, stub *stubs, per []int) ([]level, error) {
	idx := indexStates(machine)
	lv := make([]level, len(per))
	entered := make([]map[string]int, len(per))
	order := make([][]string, len(per)) // by depth, in the order first entered
	for d := range lv {
		lv[d] = level{invocations: map[string]int{}, calls: map[string]int{}}
		entered[d] = map[string]int{}
	}
	for _, ev := range h {
		det := ev.StateEnteredEventDetails
		if det == nil || !strings.HasSuffix(string(ev.Type), "StateEntered") {
			continue
		}
		info, ok := idx[det.Name]
		if !ok || info.depth >= len(per) {
			return nil, fmt.Errorf("cost: state %s entered at a depth of Distributed Maps the run does not expect", det.Name)
		}
		if entered[info.depth][det.Name] == 0 {
			order[info.depth] = append(order[info.depth], det.Name)
		}
		entered[info.depth][det.Name]++
	}
	for d, names := range order {
		for _, name := range names {
			n := entered[d][name]
			if n%per[d] != 0 {
				return nil, fmt.Errorf("cost: state %s entered %d times over %d executions: the executions differ", name, n, per[d])
			}
			for range n / per[d] {
				lv[d].states = append(lv[d].states, name)
				if idx[name].task {
					lv[d].tasks++
				}
			}
		}
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	for key, n := range stub.calls {
		state, resource, _ := strings.Cut(key, "\x00")
		d := idx[state].depth
		if n%per[d] != 0 {
			return nil, fmt.Errorf("cost: state %s called %s %d times over %d executions: the executions differ", state, resource, n, per[d])
		}
		n /= per[d]
		if fn, ok := pipelineFunction(resource); ok {
			lv[d].invocations[fn] += n
		} else {
			lv[d].calls[strings.TrimPrefix(resource, "arn:aws:states:::")] += n
		}
	}
	return lv, nil
}

// stateInfo is where a state sits in a machine.
type stateInfo struct {
	// depth counts the Distributed Maps whose ItemProcessor holds it.
	depth int
	task  bool
}

// indexStates indexes every state of machine, in Parallel branches and Map
// processors too (a compiled machine's state names are unique throughout).
func indexStates(machine *asl.StateMachine) map[string]stateInfo {
	idx := map[string]stateInfo{}
	var walk func(states asl.States, depth int)
	walk = func(states asl.States, depth int) {
		for _, ns := range states {
			info := stateInfo{depth: depth}
			switch s := ns.State.(type) {
			case *asl.Task:
				info.task = true
			case *asl.Parallel:
				for _, b := range s.Branches {
					walk(b.States, depth)
				}
			case *asl.Map:
				if p := s.Processor(); p != nil {
					inner := depth
					if s.Distributed() {
						inner++
					}
					walk(p.States, inner)
				}
			}
			idx[ns.Name] = info
		}
	}
	walk(machine.States, 0)
	return idx
}

// stubs answers the machine's tasks and its Distributed Map's S3 calls
// for a file that loads cleanly.
type stubs struct {
	chunks int
	enrich bool
	// files is what a listing of the batch machine's prefix returns, and
	// size the bytes of each (what HeadObject answers).
	files int
	size  int64
	// ledger, when set, is the status every ledger read finds, and a
	// Claim fails its condition: the files were processed before.
	ledger string

	mu                sync.Mutex
	calls             map[string]int // state + "\x00" + resource -> attempts
	gets, puts, lists int
}

// run runs machine on input with the stubs, one branch at a time, on a
// virtual clock; it must succeed.
func (s *stubs) run(machine *asl.StateMachine, input any) (engine.Result, error) {
	eng, err := engine.New(machine,
		engine.WithInvoker(engine.InvokerFunc(s.invoke)),
		engine.WithObjectStore(s),
		engine.WithMaxConcurrency(1),
	)
	if err != nil {
		return engine.Result{}, fmt.Errorf("cost: %w", err)
	}
	b, err := json.Marshal(input)
	if err != nil {
		return engine.Result{}, err
	}
	var in any
	if err := json.Unmarshal(b, &in); err != nil {
		return engine.Result{}, err
	}
	res, err := eng.Run(context.Background(), in,
		engine.WithClock(engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))),
		engine.WithRandSeed(1))
	if err != nil {
		return engine.Result{}, fmt.Errorf("cost: run: %w", err)
	}
	if res.Status != engine.StatusSucceeded {
		return engine.Result{}, fmt.Errorf("cost: the stub run ended %s (%s: %s), not LOADED", res.Status, res.Error, res.Cause)
	}
	return res, nil
}

func (s *stubs) invoke(_ context.Context, req engine.TaskRequest) (any, error) {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[req.State+"\x00"+req.Resource]++
	s.mu.Unlock()
	var out any = map[string]any{}
	if s.ledger != "" && strings.HasSuffix(req.Resource, ":dynamodb:putItem") && req.State == "Claim" {
		return nil, &engine.TaskError{Name: string(pipeline.ErrConditionalFailed), Cause: "the file has an outcome"}
	}
	if strings.Contains(req.Resource, ":function:") {
		src := contract.Object{Bucket: "b", Key: "incoming/d/f.csv", VersionID: "v1", Size: 1}
		switch fn, _ := pipelineFunction(req.Resource); fn {
		case pipeline.FunctionValidate:
			out = contract.ValidateOutput{Dataset: "d", Source: src, Format: "csv", Rows: 1}
		case pipeline.FunctionTransform:
			out = contract.TransformOutput{Dataset: "d", Source: src, Records: 1, ChunkCount: s.chunks,
				Manifest: contract.StagingPrefix + "d/manifest.json", First: s.chunk(0), Enrich: s.enrich}
		case pipeline.FunctionEnrich:
			out = req.Input
		case pipeline.FunctionLoad:
			out = contract.LoadOutput{Dataset: "d", Key: "k", Written: 1}
		default:
			return nil, fmt.Errorf("cost: no stub for function %q (state %s)", fn, req.State)
		}
	} else if strings.HasSuffix(req.Resource, ":sns:publish") {
		out = map[string]any{"MessageId": "m"}
	} else if strings.HasSuffix(req.Resource, ":s3:headObject") {
		out = map[string]any{"VersionId": "v1", "ContentLength": max(s.size, 1)}
	} else if s.ledger != "" && strings.HasSuffix(req.Resource, ":dynamodb:getItem") {
		out = map[string]any{"Item": map[string]any{
			"status":    map[string]any{"S": s.ledger},
			"execution": map[string]any{"S": "arn:aws:states:us-east-1:123456789012:execution:cost-pipeline:done"},
		}}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var v any
	return v, json.Unmarshal(b, &v)
}

func (s *stubs) chunk(i int) contract.Chunk {
	return contract.Chunk{Dataset: "d", Bucket: "b", Key: fmt.Sprintf("%sd/%d.jsonl", contract.StagingPrefix, i), Index: i, Records: 1,
		Source: contract.Object{Bucket: "b", Key: "incoming/d/f.csv", VersionID: "v1", Size: 1}}
}

// GetObject serves the manifest: the file's chunks as a JSON array.
func (s *stubs) GetObject(_ context.Context, _, _ string) ([]byte, error) {
	s.mu.Lock()
	s.gets++
	s.mu.Unlock()
	chunks := make([]contract.Chunk, s.chunks)
	for i := range chunks {
		chunks[i] = s.chunk(i)
	}
	return json.Marshal(chunks)
}

// ListObjects lists the batch's pending files (none for the per-file
// machine, whose ItemReader reads one object).
func (s *stubs) ListObjects(_ context.Context, _, prefix string) ([]engine.ObjectInfo, error) {
	s.mu.Lock()
	s.lists++
	s.mu.Unlock()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]engine.ObjectInfo, s.files)
	for i := range out {
		out[i] = engine.ObjectInfo{Key: fmt.Sprintf("%sf%d.csv", prefix, i), Size: 1, ETag: `"e"`, LastModified: at}
	}
	return out, nil
}

// PutObject counts the ResultWriter's objects.
func (s *stubs) PutObject(context.Context, string, string, []byte) error {
	s.mu.Lock()
	s.puts++
	s.mu.Unlock()
	return nil
}

// pipelineFunction is the pipeline's logical function name (validate,
// transform, enrich, load) of a Lambda ARN whose function name ends in
// "-" and that name, as every resolver names them ("cost-load",
// "sluice-dev-load"); false for another resource.
func pipelineFunction(ref string) (string, bool) {
	if !strings.Contains(ref, ":function:") {
		return "", false
	}
	name := functionName(ref)
	fn := name[strings.LastIndex(name, "-")+1:]
	switch fn {
	case pipeline.FunctionValidate, pipeline.FunctionTransform, pipeline.FunctionEnrich, pipeline.FunctionLoad:
		return fn, true
	}
	return name, true
}

// functionName is the function name of a Lambda ARN (its part after
// ":function:", without a qualifier); other resources are returned as
// they are.
func functionName(ref string) string {
	if _, name, ok := strings.Cut(ref, ":function:"); ok {
		name, _, _ = strings.Cut(name, ":")
		return name
	}
	return ref
}
