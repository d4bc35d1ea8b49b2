package workflow

import (
	"reflect"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// MapProps are the optional fields of an inline Map state.
type MapProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// ItemsPath selects the items array (JSONPath). Default: "$".
	ItemsPath string
	// Items is the items array or a JSONata expression (JSONata). Default:
	// the input.
	Items any
	// ItemSelector is a template applied to each item ($$.Map.Item.Value is
	// the item). Default: the item itself.
	ItemSelector any
	// MaxConcurrency bounds the concurrent iterations. Default: 0, no bound
	// (inline maps run at most about 40 at once).
	MaxConcurrency int
	// ResultSelector reshapes the array of results (JSONPath). Default:
	// none.
	ResultSelector any
	// ResultPath places the result in the input (JSONPath); Null discards
	// it. Default: "$".
	ResultPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the result array.
	Output any
	// Assign sets variables. Default: none.
	Assign map[string]any
}

// ItemReader reads a Distributed Map's items from S3.
type ItemReader struct {
	// Bucket is the logical name of the bucket, resolved at compile time.
	Bucket string
	// Resource is the reading integration. Default:
	// "arn:aws:states:::s3:getObject" (one object of items).
	Resource string
	// Parameters names the object ("Key" or "Key.$") or the prefix; Bucket
	// is filled in by Compile (JSONPath; Arguments for JSONata machines).
	Parameters Params
	// ReaderConfig describes the object format (InputType JSON, JSONL, CSV,
	// MANIFEST, PARQUET, MaxItems). Default: none (an S3 listing).
	ReaderConfig *asl.ReaderConfig
	// ItemType is the Go type of one item (reflect.TypeFor[T]()): the
	// paths the ItemSelector reads from $$.Map.Item.Value are checked
	// against it. Default: nil, unknown (not checked).
	ItemType reflect.Type
}

// ResultWriter writes a Distributed Map's results to S3 instead of into the
// state output (which then holds the result manifest location).
type ResultWriter struct {
	// Bucket is the logical name of the bucket, resolved at compile time.
	Bucket string
	// Prefix is the key prefix under which results are written. Default:
	// the bucket root.
	Prefix string
	// WriterConfig sets the output shape. Default: the JSON manifest and
	// result files.
	WriterConfig *asl.WriterConfig
}

// DistributedMapProps are the optional fields of a Distributed Map state.
type DistributedMapProps struct {
	MapProps
	// ExecutionType of the child executions: "STANDARD" or "EXPRESS".
	// Default: STANDARD.
	ExecutionType string
	// Label names the child executions. Default: none.
	Label string
	// ItemReader reads the items from S3. Default: none (ItemsPath).
	ItemReader *ItemReader
	// ItemBatcher groups items into batches. Default: none (one item per
	// child execution).
	ItemBatcher *asl.ItemBatcher
	// ResultWriter writes results to S3. Default: none (results are
	// returned in the state output, within the payload limit).
	ResultWriter *ResultWriter
	// ToleratedFailurePercentage is the share of failed items tolerated.
	// Default: 0.
	ToleratedFailurePercentage float64
	// ToleratedFailureCount is the number of failed items tolerated.
	// Default: 0.
	ToleratedFailureCount int
}

// Map runs a sub-graph, its ItemProcessor, for each item of an array
// (inline) or of an S3 source (distributed).
type Map struct {
	stateBase
	flow
	handling
	props       DistributedMapProps
	distributed bool
	processor   State
}

// NewMap returns an inline Map state. Set the iteration with ItemProcessor.
func NewMap(name string, props MapProps) *Map {
	s := &Map{props: DistributedMapProps{MapProps: props}}
	s.init(name)
	return s
}

// NewDistributedMap returns a Map state in DISTRIBUTED mode: each item
// runs as a child execution. The machine's role needs
// states:StartExecution on the machine itself, reported as the Self
// resource.
func NewDistributedMap(name string, props DistributedMapProps) *Map {
	s := &Map{props: props, distributed: true}
	s.init(name)
	return s
}

func (s *Map) init(name string) {
	s.stateBase = stateBase{self: s, name: name}
	s.flow = flow{&s.stateBase}
}

// ItemProcessor sets the graph run for each item.
func (s *Map) ItemProcessor(c Chainable) *Map {
	switch {
	case c == nil || c.StartState() == nil:
		s.record(CodeNilState, "ItemProcessor(nil)")
	case s.processor != nil:
		s.record(CodeSecondItemProcessor, "ItemProcessor(%q) called after ItemProcessor(%q)", c.StartState().Name(), s.processor.Name())
	default:
		s.processor = c.StartState()
	}
	return s
}

// Next sets the state after this one.
func (s *Map) Next(next Chainable) *Chain { return s.flow.Next(next) }

// EndStates returns the state itself.
func (s *Map) EndStates() []Nextable { return s.flow.EndStates() }

// StartState returns the state itself.
func (s *Map) StartState() State { return s }

// AddRetry adds a retrier (see Task.AddRetry).
func (s *Map) AddRetry(p RetryProps) *Map { s.addRetry(p); return s }

// AddCatch adds a catcher (see Task.AddCatch).
func (s *Map) AddCatch(handler Chainable, p CatchProps) *Map {
	s.addCatch(&s.stateBase, handler, p)
	return s
}

func (s *Map) build(c *compiler, p string) asl.State {
	mp := s.props.MapProps
	jsonata := c.lang(mp.QueryLanguage) == asl.JSONata
	out := &asl.Map{
		Common:         common(mp.Comment, mp.QueryLanguage),
		InputPath:      toPath(mp.InputPath),
		ItemsPath:      mp.ItemsPath,
		Items:          c.encode(p+".Items", s.name, mp.Items),
		ItemSelector:   c.encode(p+".ItemSelector", s.name, mp.ItemSelector),
		MaxConcurrency: intOrNil(mp.MaxConcurrency),
		ResultSelector: c.encode(p+".ResultSelector", s.name, mp.ResultSelector),
		ResultPath:     toPath(mp.ResultPath),
		OutputPath:     toPath(mp.OutputPath),
		Output:         c.encode(p+".Output", s.name, mp.Output),
		Assign:         c.assign(p, s.name, mp.Assign),
	}
	graph := &asl.Graph{}
	if s.distributed {
		graph.ProcessorConfig = &asl.ProcessorConfig{Mode: asl.ModeDistributed, ExecutionType: s.props.ExecutionType}
		if graph.ProcessorConfig.ExecutionType == "" {
			graph.ProcessorConfig.ExecutionType = "STANDARD"
		}
		out.Label = s.props.Label
		out.ItemBatcher = s.props.ItemBatcher
		if s.props.ToleratedFailurePercentage != 0 {
			out.ToleratedFailurePercentage = &asl.NumberOrExpr{Number: s.props.ToleratedFailurePercentage}
		}
		out.ToleratedFailureCount = intOrNil(s.props.ToleratedFailureCount)
		c.resolve(p, s.name, KindStateMachine, Self, "states:StartExecution", "states:DescribeExecution", "states:StopExecution")
		if r := s.props.ItemReader; r != nil {
			out.ItemReader = s.itemReader(c, p+".ItemReader", r, jsonata)
			c.declareItems(p, s.name, r.ItemType)
		}
		if w := s.props.ResultWriter; w != nil {
			out.ResultWriter = s.resultWriter(c, p+".ResultWriter", w, jsonata)
		}
	}
	if s.processor == nil {
		c.add(validate.Issue{Path: p + ".ItemProcessor", State: s.name, Code: CodeNoItemProcessor, Msg: "a Map needs an ItemProcessor"})
	} else {
		prefix := p + ".ItemProcessor."
		graph.StartAt, graph.States = c.graph(s.processor, prefix, prefix)
	}
	out.ItemProcessor = graph
	out.ErrorHandling = s.handling.build(c, p, &s.stateBase)
	out.Transition = transition(&s.stateBase)
	return out
}

func (s *Map) itemReader(c *compiler, p string, r *ItemReader, jsonata bool) *asl.ItemReader {
	res := r.Resource
	if res == "" {
		res = "arn:aws:states:::s3:getObject"
	}
	actions := []string{"s3:GetObject"}
	if res != "arn:aws:states:::s3:getObject" {
		actions = append(actions, "s3:ListBucket")
	}
	params := Params{}
	for k, v := range r.Parameters {
		params[k] = v
	}
	if arn := c.resolve(p, s.name, KindBucket, r.Bucket, actions...); arn != "" {
		params["Bucket"] = bucketName(arn)
	}
	out := &asl.ItemReader{Resource: res, ReaderConfig: r.ReaderConfig}
	if jsonata {
		out.Arguments = c.encode(p+".Arguments", s.name, params)
	} else {
		out.Parameters = c.encode(p+".Parameters", s.name, params)
	}
	return out
}

func (s *Map) resultWriter(c *compiler, p string, w *ResultWriter, jsonata bool) *asl.ResultWriter {
	params := Params{}
	if arn := c.resolve(p, s.name, KindBucket, w.Bucket, "s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"); arn != "" {
		params["Bucket"] = bucketName(arn)
	}
	if w.Prefix != "" {
		params["Prefix"] = w.Prefix
	}
	out := &asl.ResultWriter{Resource: "arn:aws:states:::s3:putObject", WriterConfig: w.WriterConfig}
	if jsonata {
		out.Arguments = c.encode(p+".Arguments", s.name, params)
	} else {
		out.Parameters = c.encode(p+".Parameters", s.name, params)
	}
	return out
}
