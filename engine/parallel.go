package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/workflow/asl"
)

// child returns a thread for a branch or iteration: its own cancellable
// context, a child variable scope, and history continuing after prev.
func (t *thread) child(ctx context.Context, prev int64) *thread {
	return &thread{x: t.x, ctx: ctx, prev: prev, scope: &scope{parent: t.scope}, childExec: t.childExec}
}

// parallelAttempt runs one attempt of a Parallel state.
func (t *thread) parallelAttempt(ev *evalEnv, input any) (any, error) {
	n := ev.n
	eff, err := ev.effectiveInput(input)
	if err != nil {
		return nil, err
	}
	started, err := t.event(Event{Type: ParallelStateStarted})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	results := make([]any, len(n.branches))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		last     = started
	)
	sem := newSemaphore(t.x.eng.opts.maxConcurrency)
	for i, g := range n.branches {
		// Branches start in order; with a concurrency bound the order of
		// their events is then reproducible.
		if !sem.acquire(ctx) {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sem.release()
			bt := t.child(ctx, started)
			out, err := bt.runGraph(g, eff)
			mu.Lock()
			defer mu.Unlock()
			if bt.prev > last {
				last = bt.prev
			}
			if err != nil {
				if firstErr == nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
					firstErr = err
					cancel()
				}
				return
			}
			results[i] = out
		}()
	}
	wg.Wait()
	t.prev = last
	if firstErr == nil {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
	}
	if firstErr != nil {
		_, _ = t.event(Event{Type: ParallelStateFailed})
		return nil, firstErr
	}
	if _, err := t.event(Event{Type: ParallelStateSucceeded}); err != nil {
		return nil, err
	}
	return results, nil
}

// semaphore bounds concurrency; a zero limit means unbounded.
type semaphore chan struct{}

func newSemaphore(n int) semaphore {
	if n <= 0 {
		return nil
	}
	return make(semaphore, n)
}

func (s semaphore) acquire(ctx context.Context) bool {
	if s == nil {
		return ctx.Err() == nil
	}
	select {
	case s <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s semaphore) release() {
	if s != nil {
		<-s
	}
}

// parallel plans a Parallel state and its branches.
func (sp *statePlan) parallel(s *asl.Parallel) {
	n := sp.n
	sp.io(s.InputPath, s.OutputPath, s.ResultPath)
	sp.payload("Parameters", s.Parameters, &n.parameters)
	sp.payload("ResultSelector", s.ResultSelector, &n.resultSelector)
	sp.jsonataOnly("Arguments", s.Arguments, &n.arguments)
	sp.jsonataOnly("Output", s.Output, &n.output)
	sp.payload("Assign", s.Assign, &n.assign)
	sp.errorHandling(s.Retry, s.Catch)
	for i, b := range s.Branches {
		sp.set(fmt.Sprintf("Branches[%d]", i), func() error {
			g, e := planGraph(b.StartAt, b.States, effectiveLang(b.QueryLanguage, sp.lang), "")
			n.branches = append(n.branches, g)
			return e
		})
	}
}
