package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// defaultInlineConcurrency is how many inline Map iterations AWS runs at a
// time when MaxConcurrency is 0.
const defaultInlineConcurrency = 40

// mapSpec is a planned Map state.
type mapSpec struct {
	processor    *graph
	distributed  bool
	itemsPath    *jsonpath.Path
	items        tmpl
	itemSelector tmpl
	maxConc      intField
	tolCount     intField
	tolPct       intField
	reader       *readerSpec
	batcher      *batcherSpec
	writer       *writerSpec
	label        string
	// express is set for a DISTRIBUTED Map whose ProcessorConfig has
	// ExecutionType EXPRESS: its iterations are Express executions.
	express bool
}

// mapState plans a Map state (inline or distributed).
func (sp *statePlan) mapState(s *asl.Map) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, s.ResultPath)
	sp.payload("ResultSelector", s.ResultSelector, &n.resultSelector)
	sp.jsonataOnly("Output", s.Output, &n.output)
	sp.payload("Assign", s.Assign, &n.assign)
	sp.errorHandling(s.Retry, s.Catch)
	sp.set("ItemProcessor", func() (e error) { n.mapState, e = planMap(s, n.jsonata, sp.lang); return })
}

// planMap plans what a Map state iterates and how.
func planMap(s *asl.Map, isJSONata bool, lang asl.QueryLanguage) (*mapSpec, error) {
	proc := s.Processor()
	if proc == nil {
		return nil, errors.New("missing ItemProcessor")
	}
	m := &mapSpec{distributed: s.Distributed(), label: s.Label}
	m.express = m.distributed && proc.ProcessorConfig != nil && strings.EqualFold(proc.ProcessorConfig.ExecutionType, "EXPRESS")
	g, err := planGraph(proc.StartAt, proc.States, effectiveLang(proc.QueryLanguage, lang), "")
	if err != nil {
		return nil, err
	}
	m.processor = g
	if s.ItemsPath != "" {
		if m.itemsPath, err = jsonpath.ParseReference(s.ItemsPath); err != nil {
			if m.itemsPath, err = jsonpath.Parse(s.ItemsPath); err != nil {
				return nil, inField("ItemsPath", err)
			}
		}
	}
	if len(s.Items) > 0 {
		if m.items, err = compileJSONataValue(s.Items, "Items"); err != nil {
			return nil, inField("Items", err)
		}
	}
	sel := s.ItemSelector
	if len(sel) == 0 {
		sel = s.Parameters
	}
	if isJSONata {
		m.itemSelector, err = compileJSONataValue(sel, "ItemSelector")
	} else {
		m.itemSelector, err = compilePayload(sel)
	}
	if err != nil {
		return nil, inField("ItemSelector", err)
	}
	if m.maxConc, err = planIntField("MaxConcurrency", s.MaxConcurrency, s.MaxConcurrencyPath); err != nil {
		return nil, err
	}
	if m.tolCount, err = planIntField("ToleratedFailureCount", s.ToleratedFailureCount, s.ToleratedFailureCountPath); err != nil {
		return nil, err
	}
	var pct *asl.IntOrExpr
	if v := s.ToleratedFailurePercentage; v != nil {
		pct = &asl.IntOrExpr{Expr: v.Expr}
	}
	if m.tolPct, err = planIntField("ToleratedFailurePercentage", pct, s.ToleratedFailurePercentagePath); err != nil {
		return nil, err
	}
	if v := s.ToleratedFailurePercentage; v != nil && v.Expr == "" {
		m.tolPct.lit = v.Number
	}
	m.tolPct.float = true
	if s.ItemReader != nil {
		if m.reader, err = planReader(s.ItemReader, isJSONata); err != nil {
			return nil, inField("ItemReader", err)
		}
	}
	if s.ItemBatcher != nil {
		if m.batcher, err = planBatcher(s.ItemBatcher, isJSONata); err != nil {
			return nil, inField("ItemBatcher", err)
		}
	}
	if s.ResultWriter != nil {
		if m.writer, err = planWriter(s.ResultWriter, isJSONata); err != nil {
			return nil, inField("ResultWriter", err)
		}
	}
	return m, nil
}

// numberOf reads a MaxConcurrency/ToleratedFailure* field. Paths accept
// numeric strings, as AWS does.
func (ev *evalEnv) numberOf(f *intField, input any) (float64, bool, error) {
	if !f.set {
		return 0, false, nil
	}
	kind := "integer"
	if f.float {
		kind = "float"
	}
	switch {
	case f.path != nil:
		v, err := ev.applyPathValue(f.path, input, f.name+"Path")
		if err != nil {
			return 0, false, err
		}
		x, ok := number(v)
		if s, isStr := v.(string); isStr {
			var perr error
			x, perr = strconv.ParseFloat(strings.TrimSpace(s), 64)
			ok = perr == nil
		}
		if ok && !f.float && x != math.Trunc(x) {
			ok = false
		}
		if !ok {
			return 0, false, runtimeErr(statesRuntime, f.name+"Path", "The %sPath field refers to value %s which is not a valid %s: %s", f.name, quoteValue(v), kind, f.path.String())
		}
		return x, true, nil
	case f.expr != nil:
		v, err := f.expr.eval(ev, ev.input)
		if err != nil {
			return 0, false, err
		}
		x, ok := number(v)
		if !ok || (!f.float && x != math.Trunc(x)) {
			return 0, false, runtimeErr(asl.StatesQueryEvaluationError, f.name,
				"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
				jsonataSource(f.expr), f.name, kind, jsonType(v), compact(v))
		}
		return x, true, nil
	}
	return f.lit, true, nil
}

// mapAttempt runs one attempt of a Map state.
func (t *thread) mapAttempt(ev *evalEnv, input any) (any, error) {
	n := ev.n
	m := n.mapState
	eff, err := ev.inputPathApplied(input)
	if err != nil {
		return nil, err
	}
	b, err := ev.mapBounds(m, eff)
	if err != nil {
		return nil, err
	}
	items, err := t.mapInput(ev, m, eff)
	if err != nil {
		return nil, err
	}
	if _, err := t.event(Event{Type: MapStateStarted, MapStateStartedEventDetails: &MapStateStartedDetails{Length: len(items)}}); err != nil {
		return nil, err
	}
	if m.distributed {
		if _, err := t.event(Event{Type: MapRunStarted, MapRunStartedEventDetails: &MapRunStartedDetails{
			MapRunARN: fmt.Sprintf("%s/%s:%s", strings.Replace(t.x.smARN, ":stateMachine:", ":mapRun:", 1), n.name, newUUID()),
		}}); err != nil {
			return nil, err
		}
	}
	limit := int(b.maxConc)
	if limit == 0 {
		limit = t.x.eng.opts.maxConcurrency
		if limit == 0 && !m.distributed {
			limit = defaultInlineConcurrency
		}
	}
	results, failures, firstErr := t.iterate(ev, m, items, eff, limit, b.tolerant())
	if firstErr == nil {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
	}
	if firstErr != nil && b.tolerant() && failures > 0 {
		firstErr = nil
		if b.exceeded(failures, len(items)) {
			firstErr = plainErr(asl.StatesExceedToleratedFailure, "The specified tolerated failure threshold was exceeded")
		}
	}
	if firstErr != nil {
		if m.distributed {
			_, _ = t.event(Event{Type: MapRunFailed, MapRunFailedEventDetails: &ErrorDetails{}})
		}
		_, _ = t.event(Event{Type: MapStateFailed})
		return nil, firstErr
	}
	if m.distributed {
		if _, err := t.event(Event{Type: MapRunSucceeded}); err != nil {
			return nil, err
		}
	}
	if _, err := t.event(Event{Type: MapStateSucceeded}); err != nil {
		return nil, err
	}
	if m.writer != nil {
		return t.writeResults(ev, m.writer, results, eff)
	}
	return results, nil
}

// mapBounds are a Map's MaxConcurrency and tolerated failures, evaluated
// for one attempt.
type mapBounds struct {
	maxConc                float64
	tolCount, tolPct       float64
	hasTolCount, hasTolPct bool
}

// mapBounds evaluates MaxConcurrency and ToleratedFailure{Count,Percentage}
// (literal, path or JSONata) and checks their ranges.
func (ev *evalEnv) mapBounds(m *mapSpec, eff any) (mapBounds, error) {
	var b mapBounds
	var err error
	if b.maxConc, _, err = ev.numberOf(&m.maxConc, eff); err != nil {
		return b, err
	}
	if b.maxConc < 0 {
		return b, runtimeErr(statesRuntime, "MaxConcurrency", "MaxConcurrency cannot be negative.")
	}
	if b.tolCount, b.hasTolCount, err = ev.numberOf(&m.tolCount, eff); err != nil {
		return b, err
	}
	if b.tolCount < 0 {
		return b, runtimeErr(statesRuntime, "ToleratedFailureCount", "ToleratedFailureCount cannot be negative.")
	}
	if b.tolPct, b.hasTolPct, err = ev.numberOf(&m.tolPct, eff); err != nil {
		return b, err
	}
	if b.tolPct < 0 || b.tolPct > 100 {
		return b, runtimeErr(statesRuntime, "ToleratedFailurePercentage", "ToleratedFailurePercentage must be between 0 and 100.")
	}
	return b, nil
}

// tolerant reports whether the Map tolerates failed iterations at all.
func (b mapBounds) tolerant() bool { return b.hasTolCount || b.hasTolPct }

// exceeded reports whether failures of n items exceed the tolerance: with
// both a count and a percentage, only exceeding both fails the Map.
func (b mapBounds) exceeded(failures, n int) bool {
	overCount := b.hasTolCount && float64(failures) > b.tolCount
	overPct := b.hasTolPct && float64(failures)*100/float64(n) > b.tolPct
	if b.hasTolCount && b.hasTolPct {
		return overCount && overPct
	}
	return overCount || overPct
}

// mapInput reads the items (ItemReader, or ItemsPath/Items) and batches
// them (ItemBatcher, after ItemSelector shaped each item).
func (t *thread) mapInput(ev *evalEnv, m *mapSpec, eff any) ([]any, error) {
	var items []any
	var err error
	if m.reader != nil {
		if items, err = t.readItems(ev, m.reader, eff); err != nil {
			return nil, err
		}
	} else if items, err = ev.mapItems(m, eff); err != nil {
		return nil, err
	}
	if m.batcher == nil {
		return items, nil
	}
	if m.itemSelector != nil {
		for i, item := range items {
			if items[i], err = t.selectItem(ev, m, i, item, eff); err != nil {
				return nil, err
			}
		}
	}
	return t.batchItems(ev, m.batcher, items, eff)
}

// mapItems selects the items array: ItemsPath (JSONPath) or Items
// (JSONata), defaulting to the input itself.
func (ev *evalEnv) mapItems(m *mapSpec, eff any) ([]any, error) {
	var v any
	var err error
	switch {
	case m.items != nil:
		if v, err = m.items.eval(ev, ev.input); err != nil {
			return nil, err
		}
		arr, ok := v.([]any)
		if !ok {
			if src := jsonataSource(m.items); src != "" {
				return nil, runtimeErr(asl.StatesQueryEvaluationError, "Items",
					"The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s",
					src, jsonType(v), compact(v))
			}
			return nil, runtimeErr(asl.StatesQueryEvaluationError, "Items", "Map state input must be an array but was: %s", compact(v))
		}
		return arr, nil
	case m.itemsPath != nil:
		if v, err = ev.applyPathValue(m.itemsPath, eff, "ItemsPath"); err != nil {
			return nil, err
		}
	default:
		v = eff
	}
	arr, ok := v.([]any)
	if !ok {
		name := statesRuntime
		if ev.n.jsonata {
			name = asl.StatesQueryEvaluationError
		}
		return nil, runtimeErr(name, "ItemsPath", "Map state input must be an array but was: %s", compact(v))
	}
	return arr, nil
}

// iterate runs every item; it returns the results in order, the number of
// failed iterations and the first failure.
func (t *thread) iterate(ev *evalEnv, m *mapSpec, items []any, eff any, limit int, tolerant bool) ([]any, int, error) {
	ctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	results := make([]any, len(items))
	var (
		mu       sync.Mutex
		next     int // the next item to start
		firstErr error
		failures int
		wg       sync.WaitGroup
	)
	start := t.prev
	last := start
	// run runs item i and records how it ended.
	run := func(i int) {
		it := t.child(ctx, start)
		if m.distributed {
			it.scope = &scope{}
		}
		out, err := it.iteration(ev, m, i, items[i], eff)
		mu.Lock()
		defer mu.Unlock()
		if it.prev > last {
			last = it.prev
		}
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return
			}
			failures++
			if firstErr == nil {
				firstErr = err
			}
			if se, ok := err.(*StateError); ok {
				results[i] = se.errorOutput()
			}
			if !tolerant {
				cancel()
			}
			return
		}
		results[i] = out
	}
	// limit workers take the items in order, each starting the next one
	// as it finishes one: iterations start in index order, at most limit
	// at a time, and a worker's stack grows once rather than once per
	// item.
	workers := len(items)
	if limit > 0 && limit < workers {
		workers = limit
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				run(i)
			}
		}()
	}
	wg.Wait()
	t.prev = last
	return results, failures, firstErr
}

// selectItem applies ItemSelector to one item, with $$.Map.Item set.
func (t *thread) selectItem(ev *evalEnv, m *mapSpec, index int, item, eff any) (any, error) {
	sel := &evalEnv{t: t, n: ev.n, input: ev.input, enteredTime: ev.enteredTime, enteredID: ev.enteredID}
	t.mapItem = map[string]any{"Index": intValue(int64(index)), "Value": item}
	defer func() { t.mapItem = nil }()
	return m.itemSelector.eval(sel, eff)
}

// iteration runs one item through the ItemProcessor.
func (t *thread) iteration(ev *evalEnv, m *mapSpec, index int, item, eff any) (any, error) {
	n := ev.n
	name := n.name
	if _, err := t.event(Event{Type: MapIterationStarted, MapIterationStartedEventDetails: &MapIterationDetails{Name: name, Index: index}}); err != nil {
		return nil, err
	}
	input := item
	if m.itemSelector != nil && m.batcher == nil {
		v, err := t.selectItem(ev, m, index, item, eff)
		if err != nil {
			_, _ = t.event(Event{Type: MapIterationFailed, MapIterationFailedEventDetails: &MapIterationDetails{Name: name, Index: index}})
			return nil, ev.finish(err)
		}
		input = v
	}
	if m.distributed {
		label := m.label
		if label == "" {
			label = n.name
		}
		name := newUUID()
		o := t.x.eng.opts
		t.childExec = &childExecution{
			arn:   fmt.Sprintf("arn:aws:states:%s:%s:execution:%s/%s:%s", o.region, o.account, o.machineName, label, name),
			name:  name,
			input: input,
			start: t.x.clock.Now(),
		}
		if m.express {
			// An Express execution's ARN names the express resource
			// type and ends with an id of its own.
			c := t.childExec
			c.arn = fmt.Sprintf("arn:aws:states:%s:%s:express:%s/%s:%s:%s", o.region, o.account, o.machineName, label, name, newUUID())
			c.express = true
			c.deadline = c.start.Add(ExpressMaxDuration)
			if _, virtual := t.x.clock.(*VirtualClock); !virtual {
				var stop context.CancelFunc
				t.ctx, stop = t.x.clock.WithTimeout(t.ctx, ExpressMaxDuration)
				defer stop()
			}
		}
	}
	out, err := t.runGraph(m.processor, input)
	if err != nil && t.childTimedOut() {
		err = plainErr(asl.StatesTimeout, fmt.Sprintf("The Express child execution exceeded its maximum duration of %s.", ExpressMaxDuration))
	}
	if err != nil {
		if !(errors.Is(err, context.Canceled) && t.ctx.Err() != nil) {
			_, _ = t.event(Event{Type: MapIterationFailed, MapIterationFailedEventDetails: &MapIterationDetails{Name: name, Index: index}})
		} else {
			_, _ = t.event(Event{Type: MapIterationAborted, MapIterationAbortedEventDetails: &MapIterationDetails{Name: name, Index: index}})
		}
		return nil, err
	}
	if _, err := t.event(Event{Type: MapIterationSucceeded, MapIterationSucceededDetails: &MapIterationDetails{Name: name, Index: index}}); err != nil {
		return nil, err
	}
	return out, nil
}
