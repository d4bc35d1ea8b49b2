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
	compiled, err := pipeline.Build(workflow.SyntheticResolver(pipeline.SyntheticAccount, pipeline.SyntheticRegion, resourcePrefix), o)
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
	inProcessor := map[string]bool{}
	for _, ns := range machine.States {
		if m, ok := ns.State.(*asl.Map); ok && m.Distributed() {
			collect(m, inProcessor)
		}
	}
	stub := &stubs{chunks: chunks, enrich: enrich}
	eng, err := engine.New(machine,
		engine.WithInvoker(engine.InvokerFunc(stub.invoke)),
		engine.WithObjectStore(stub),
		engine.WithMaxConcurrency(1),
	)
	if err != nil {
		return Path{}, fmt.Errorf("cost: %w", err)
	}
	in := contract.FileEvent{Dataset: "d", Bucket: "b", Key: "incoming/d/f.csv", VersionID: "v1", Size: 1}
	res, err := eng.Run(context.Background(), in,
		engine.WithClock(engine.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))),
		engine.WithRandSeed(1))
	if err != nil {
		return Path{}, fmt.Errorf("cost: run: %w", err)
	}
	if res.Status != engine.StatusSucceeded {
		return Path{}, fmt.Errorf("cost: the stub run ended %s (%s: %s), not LOADED", res.Status, res.Error, res.Cause)
	}
	if out, _ := res.Output.(map[string]any); out == nil || out["status"] != contract.StatusLoaded {
		return Path{}, fmt.Errorf("cost: the stub run's output is %v, not LOADED", res.Output)
	}
	p := Path{Chunks: chunks, Invocations: map[string]int{}, ChunkInvocations: map[string]int{}, Calls: map[string]int{}}
	// childEntered counts the chunk executions' entries by state, in
	// the order the states were first entered.
	childEntered := map[string]int{}
	var childOrder []string
	for _, ev := range res.History {
		d := ev.StateEnteredEventDetails
		if d == nil || !strings.HasSuffix(string(ev.Type), "StateEntered") {
			continue
		}
		if inProcessor[d.Name] {
			if childEntered[d.Name] == 0 {
				childOrder = append(childOrder, d.Name)
			}
			childEntered[d.Name]++
			continue
		}
		p.States = append(p.States, d.Name)
		st, _ := machine.States.Get(d.Name)
		if _, ok := st.(*asl.Task); ok {
			p.Tasks++
		}
		if m, ok := st.(*asl.Map); ok && m.Distributed() {
			p.Distributed = true
		}
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	for _, name := range childOrder {
		n := childEntered[name]
		if n%chunks != 0 {
			return Path{}, fmt.Errorf("cost: state %s entered %d times over %d chunks: the chunk executions differ", name, n, chunks)
		}
		for range n / chunks {
			p.ChunkStates = append(p.ChunkStates, name)
			if isTask(machine, name) {
				p.ChunkTasks++
			}
		}
	}
	for key, n := range stub.calls {
		state, resource, _ := strings.Cut(key, "\x00")
		fn, isLambda := strings.CutPrefix(functionName(resource), resourcePrefix+"-")
		switch {
		case inProcessor[state] && isLambda && strings.Contains(resource, ":function:"):
			p.ChunkInvocations[fn] += n / chunks
		case isLambda && strings.Contains(resource, ":function:"):
			p.Invocations[fn] += n
		default:
			p.Calls[strings.TrimPrefix(resource, "arn:aws:states:::")] += n
		}
	}
	p.MapReads, p.MapWrites = stub.gets, stub.puts
	return p, nil
}

// collect adds the names of the states of m's ItemProcessor (and of
// nested processors) to names.
func collect(m *asl.Map, names map[string]bool) {
	if m.ItemProcessor == nil {
		return
	}
	for _, ns := range m.ItemProcessor.States {
		names[ns.Name] = true
		if inner, ok := ns.State.(*asl.Map); ok {
			collect(inner, names)
		}
	}
}

// isTask reports whether name is a Task state anywhere in machine.
func isTask(machine *asl.StateMachine, name string) bool {
	var find func(states asl.States) bool
	find = func(states asl.States) bool {
		for _, ns := range states {
			if ns.Name == name {
				_, ok := ns.State.(*asl.Task)
				return ok
			}
			if m, ok := ns.State.(*asl.Map); ok && m.ItemProcessor != nil && find(m.ItemProcessor.States) {
				return true
			}
		}
		return false
	}
	return find(machine.States)
}

// stubs answers the machine's tasks and its Distributed Map's S3 calls
// for a file that loads cleanly.
type stubs struct {
	chunks int
	enrich bool

	mu         sync.Mutex
	calls      map[string]int // state + "\x00" + resource -> attempts
	gets, puts int
}

func (s *stubs) invoke(_ context.Context, req engine.TaskRequest) (any, error) {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[req.State+"\x00"+req.Resource]++
	s.mu.Unlock()
	var out any = map[string]any{}
	if strings.Contains(req.Resource, ":function:") {
		src := contract.Object{Bucket: "b", Key: "incoming/d/f.csv", VersionID: "v1", Size: 1}
		switch fn, _ := strings.CutPrefix(functionName(req.Resource), resourcePrefix+"-"); fn {
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

// ListObjects lists nothing: the pipeline's ItemReader reads one object.
func (s *stubs) ListObjects(context.Context, string, string) ([]engine.ObjectInfo, error) {
	return nil, nil
}

// PutObject counts the ResultWriter's objects.
func (s *stubs) PutObject(context.Context, string, string, []byte) error {
	s.mu.Lock()
	s.puts++
	s.mu.Unlock()
	return nil
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
