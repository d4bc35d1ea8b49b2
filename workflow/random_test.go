package workflow_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
)

// TestRandomGraphs builds random graphs, misuse included, and checks that
// Compile never panics and that what compiles round-trips through asl.
func TestRandomGraphs(t *testing.T) {
	ok := 0
	defer func() {
		t.Logf("%d of 300 random graphs compiled", ok)
		if ok == 0 || ok == 300 {
			t.Errorf("%d of 300 random graphs compiled; want some of each outcome", ok)
		}
	}()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 42))
		g := &randomGraph{r: r}
		start := g.chain(3)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("seed %d: Compile panicked: %v", seed, p)
				}
			}()
			c, err := workflow.Compile(start, workflow.WithResolver(resolver))
			if err != nil {
				if _, ok := workflow.AsIssues(err); !ok {
					t.Fatalf("seed %d: error %T is not Issues", seed, err)
				}
				return
			}
			ok++
			b, err := c.ASL()
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			m, err := asl.Unmarshal(b)
			if err != nil {
				t.Fatalf("seed %d: compiled ASL does not decode: %v\n%s", seed, err, b)
			}
			again, _ := asl.Marshal(m)
			if !bytes.Equal(b, again) {
				t.Fatalf("seed %d: round trip changed the document", seed)
			}
		}()
	}
}

type randomGraph struct {
	r     *rand.Rand
	n     int
	built []workflow.State
}

func (g *randomGraph) name() string {
	g.n++
	if g.r.IntN(20) == 0 { // sometimes a duplicate name
		return "S1"
	}
	return fmt.Sprintf("S%d", g.n)
}

// state returns a random state, sometimes one built before (reuse).
func (g *randomGraph) state(depth int) workflow.Chainable {
	if len(g.built) > 0 && g.r.IntN(15) == 0 {
		return g.built[g.r.IntN(len(g.built))]
	}
	var s workflow.State
	switch k := g.r.IntN(9); {
	case k == 0:
		s = workflow.NewSucceed(g.name(), workflow.SucceedProps{})
	case k == 1:
		s = workflow.NewFail(g.name(), workflow.FailProps{Error: "E"})
	case k == 2 && depth > 0:
		c := workflow.NewChoice(g.name(), workflow.ChoiceProps{})
		for range g.r.IntN(3) {
			c.When(workflow.IsPresent("$.x"), g.chain(depth-1))
		}
		if g.r.IntN(2) == 0 {
			c.Otherwise(g.chain(depth - 1))
		}
		if g.r.IntN(2) == 0 {
			g.built = append(g.built, c)
			return c.Afterwards()
		}
		s = c
	case k == 3 && depth > 0:
		p := workflow.NewParallel(g.name(), workflow.ParallelProps{})
		for range g.r.IntN(3) {
			p.Branch(g.chain(depth - 1))
		}
		if g.r.IntN(3) == 0 {
			p.AddCatch(g.chain(depth-1), workflow.CatchProps{ResultPath: "$.error"})
		}
		s = p
	case k == 4 && depth > 0:
		m := workflow.NewMap(g.name(), workflow.MapProps{})
		if g.r.IntN(4) > 0 {
			m.ItemProcessor(g.chain(depth - 1))
		}
		s = m
	case k == 5:
		s = workflow.NewWait(g.name(), workflow.WaitSeconds(1), workflow.WaitProps{})
	case k == 6:
		s = workflow.NewLambda(g.name(), "fn", workflow.TaskProps{TimeoutSeconds: 3}).
			AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesALL, asl.StatesTimeout}})
	case k == 7:
		s = workflow.DynamoGetItem(g.name(), "ledger", workflow.Params{"Key": workflow.Params{"pk": workflow.Params{"S": "x"}}, "Bogus": 1}, workflow.TaskProps{})
	default:
		s = workflow.NewPass(g.name(), workflow.PassProps{})
	}
	g.built = append(g.built, s)
	return s
}

func (g *randomGraph) chain(depth int) workflow.Chainable {
	c := workflow.NewChain(g.state(depth))
	for range g.r.IntN(4) {
		c = c.Next(g.state(depth))
	}
	return c
}
