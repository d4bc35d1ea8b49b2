package cost

import (
	"fmt"
	"math"
	"slices"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Alternative is one way to run the workload, priced as a whole bill.
type Alternative struct {
	// Name says what differs.
	Name string `json:"name"`
	// TotalUSD is the whole monthly bill with it.
	TotalUSD float64 `json:"total_usd"`
	// Current marks the stack's own setting.
	Current bool `json:"current,omitempty"`
	// Change is what to set to get it ("" for the current one or where
	// nothing can be set yet).
	Change string `json:"change,omitempty"`
}

// Comparison prices the alternatives of one choice.
type Comparison struct {
	// Topic names the choice.
	Topic string `json:"topic"`
	// Alternatives are priced; the current one is marked.
	Alternatives []Alternative `json:"alternatives"`
	// Note qualifies the comparison.
	Note string `json:"note,omitempty"`
}

// Report is a bill with its comparisons and recommendations.
type Report struct {
	*Bill
	// Comparisons: batch vs per file, Standard vs Express, capacity
	// modes, chunk sizes.
	Comparisons []Comparison `json:"comparisons"`
	// Recommendations say what would save money, cheapest first; one line
	// saying so when the stack's settings are already the cheapest.
	Recommendations []string `json:"recommendations"`
	// BudgetUSD is the stack's monthly AWS Budget (sluice:monthlyBudgetUsd),
	// 0 when it has none.
	BudgetUSD int `json:"budget_usd"`
}

// ChunkSizes are the chunk sizes (records) Compare prices.
var ChunkSizes = []int{1000, contract.DefaultChunkRecords, 10000, 25000}

// Compare estimates w and prices the alternatives.
func (m *Model) Compare(w Workload) (*Report, error) {
	bill, err := m.Estimate(w)
	if err != nil {
		return nil, err
	}
	w, _ = w.withDefaults()
	rep := &Report{Bill: bill}
	total := func(s Stack, w Workload) (float64, error) {
		alt, err := NewModel(s, m.Prices, m.Timings)
		if err != nil {
			return 0, err
		}
		b, err := alt.Estimate(w)
		if err != nil {
			return 0, err
		}
		return b.TotalUSD, nil
	}
	p := m.Prices

	// Batch vs per file: the same workload both ways, as whole bills.
	batch, err := m.batchComparison(w, bill)
	if err != nil {
		return nil, err
	}
	rep.Comparisons = append(rep.Comparisons, batch)

	// Standard vs Express chunk executions.
	sx := Comparison{Topic: "Standard vs Express"}
	if bill.Facts.Distributed {
		for _, t := range []string{pipeline.Standard, pipeline.Express} {
			s := m.Stack
			s.MapExecutionType = t
			v, err := total(s, w)
			if err != nil {
				return nil, err
			}
			a := Alternative{Name: "chunk executions " + t, TotalUSD: v, Current: t == bill.Facts.MapExecutionType}
			if !a.Current {
				a.Change = "pulumi config set sluice:mapExecutionType " + t
			}
			sx.Alternatives = append(sx.Alternatives, a)
		}
		sx.Note = "the file's own execution stays STANDARD: only Standard workflows run a Distributed Map; an Express chunk must finish within five minutes"
	} else {
		F := bill.Facts.FilesPerMonth
		billedS := math.Ceil(bill.Facts.LambdaMSPerFile/100) / 10
		express := F*p.USD(PriceExpressRequest) + F*billedS*ExpressMemoryGB*p.USD(PriceExpressGBSecond)
		sx.Alternatives = append(sx.Alternatives,
			Alternative{Name: "STANDARD executions", TotalUSD: bill.TotalUSD, Current: true},
			Alternative{Name: "EXPRESS executions (not deployable)", TotalUSD: bill.TotalUSD - bill.Services["stepfunctions"].USD + express})
		sx.Note = "files this size load inline, so no chunk execution runs; the stack refuses an EXPRESS machine because larger files need the Distributed Map (batch mode runs files this size in EXPRESS children and hands larger ones to the per-file machine; the EXPRESS line prices the file's path as an Express execution)"
	}
	rep.Comparisons = append(rep.Comparisons, sx)

	// Capacity modes.
	cm := Comparison{Topic: "DynamoDB capacity mode"}
	for _, mode := range []string{"on-demand", "provisioned"} {
		s := m.Stack
		s.CapacityMode = mode
		v, err := total(s, w)
		if err != nil {
			return nil, err
		}
		a := Alternative{Name: mode, TotalUSD: v, Current: mode == m.Stack.CapacityMode}
		if !a.Current {
			a.Change = "pulumi config set sluice:capacityMode " + mode
		}
		cm.Alternatives = append(cm.Alternatives, a)
	}
	cm.Note = fmt.Sprintf("provisioned capacity is sized for the average write rate at the %d%% autoscaling target; bursts above it throttle until autoscaling catches up", m.Stack.AutoscalingTarget)
	rep.Comparisons = append(rep.Comparisons, cm)

	// Chunk sizes.
	cs := Comparison{Topic: "chunk size", Note: fmt.Sprintf("the transform closes a chunk at %d records or %d MiB; not a stack setting yet", contract.DefaultChunkRecords, contract.DefaultChunkBytes>>20)}
	for _, n := range ChunkSizes {
		ww := w
		ww.ChunkRecords = n
		b, err := m.Estimate(ww)
		if err != nil {
			return nil, err
		}
		a := Alternative{Name: fmt.Sprintf("%d records a chunk (%s a file)", n, plural(b.Facts.Chunks, "chunk")), TotalUSD: b.TotalUSD, Current: n == w.ChunkRecords}
		if !a.Current {
			a.Change = fmt.Sprintf("chunks of %d records (SLUICE_CHUNK_RECORDS)", n)
		}
		cs.Alternatives = append(cs.Alternatives, a)
	}
	rep.Comparisons = append(rep.Comparisons, cs)

	mem, memWarnings, err := m.memoryComparison(bill.TotalUSD, func(s Stack) (float64, error) { return total(s, w) })
	if err != nil {
		return nil, err
	}
	if len(mem.Alternatives) > 1 {
		rep.Comparisons = append(rep.Comparisons, mem)
	}

	rep.Recommendations = append(recommend(bill.TotalUSD, rep.Comparisons), memWarnings...)
	if b := bill.Facts.Batch; b != nil && b.FilesPerExecution > float64(b.MaxFiles) {
		rep.Recommendations = append(rep.Recommendations, fmt.Sprintf(
			"batch: %s files arrive between two batches of %s but a batch takes at most %d (sluice:batchMaxFiles): pending files pile up; run batches more often (sluice:batchSchedule) or raise batchMaxFiles",
			num(b.FilesPerExecution), b.Dataset, b.MaxFiles))
	}
	rep.BudgetUSD = m.Stack.MonthlyBudgetUSD
	switch b := float64(rep.BudgetUSD); {
	case b == 0:
		rep.Recommendations = append(rep.Recommendations, fmt.Sprintf(
			"budget: the stack has none; pulumi config set sluice:monthlyBudgetUsd %.0f (this estimate and 20%% more) e-mails sluice:alarmEmail before the bill passes it", math.Ceil(bill.TotalUSD*1.2)))
	case bill.TotalUSD > b*float64(m.Stack.BudgetAlertPercent)/100:
		rep.Recommendations = append(rep.Recommendations, fmt.Sprintf(
			"budget: this estimate is %.0f%% of the stack's $%d budget, past its %d%% alert: the alert would fire every month; raise sluice:monthlyBudgetUsd to %.0f or change the workload",
			100*bill.TotalUSD/b, rep.BudgetUSD, m.Stack.BudgetAlertPercent, math.Ceil(bill.TotalUSD*1.2)))
	}
	if line := bill.endpointsRecommendation(p); line != "" {
		rep.Recommendations = append(rep.Recommendations, line)
	}
	if kept := bill.storedUSD(); kept > bill.TotalUSD/2 {
		rep.Recommendations = append(rep.Recommendations, fmt.Sprintf(
			"data kept: $%.2f (%.0f%%) of the bill is storage, %s months of items and files (every record a new item); "+
				"a TTL on the dataset's items, a shorter incoming lifecycle or --months for an earlier month change it",
			kept, 100*kept/bill.TotalUSD, num(bill.Facts.Months)))
	}
	return rep, nil
}

// anyDataset names the dataset the batch alternative batches when the
// workload names none.
const anyDataset = "the dataset"

// batchComparison prices w per file and in batches on the stack's
// batchSchedule (the batch machine: one execution per schedule run, an
// EXPRESS child execution per file, a large file handed to the per-file
// machine), marking what the stack does for
// w.Dataset.
func (m *Model) batchComparison(w Workload, bill *Bill) (Comparison, error) {
	c := Comparison{Topic: "batch vs per file"}
	name := w.Dataset
	if name == "" {
		name = anyDataset
	}
	batched := m.Stack.Batched(w.Dataset)
	perFile, inBatches := m.Stack, m.Stack
	perFile.BatchDatasets = slices.DeleteFunc(slices.Clone(m.Stack.BatchDatasets), func(d string) bool { return d == w.Dataset })
	if !batched {
		inBatches.BatchDatasets = append(slices.Clone(m.Stack.BatchDatasets), name)
	}
	ww := w
	ww.Dataset = name
	price := func(s Stack) (*Bill, error) {
		if s.Batched(ww.Dataset) == batched {
			return bill, nil
		}
		alt := *m
		alt.Stack = s
		return alt.Estimate(ww)
	}
	pf, err := price(perFile)
	if err != nil {
		return c, err
	}
	bt, err := price(inBatches)
	if err != nil && !batched {
		// The stack does not batch: an alternative it cannot price (a
		// batchSchedule the model cannot read) is said, not fatal.
		c.Alternatives = []Alternative{{Name: "one Standard execution per file", TotalUSD: pf.TotalUSD, Current: true}}
		c.Note = fmt.Sprintf("batches not priced: %v", err)
		return c, nil
	}
	if err != nil {
		return c, err
	}
	a := Alternative{Name: "one Standard execution per file", TotalUSD: pf.TotalUSD, Current: !batched}
	child := "an EXPRESS child execution per file"
	if bt.Facts.Batch.HandedOff {
		child = "EXPRESS children hand each file to the per-file machine"
	}
	b := Alternative{Name: fmt.Sprintf("batches on %s: %s (%s files a batch)", m.Stack.BatchSchedule, child, num(bt.Facts.Batch.FilesPerExecution)),
		TotalUSD: bt.TotalUSD, Current: batched}
	switch {
	case batched:
		a.Change = fmt.Sprintf("remove %s from sluice:batchDatasets", w.Dataset)
	case w.Dataset != "":
		b.Change = fmt.Sprintf("add %s to sluice:batchDatasets", w.Dataset)
	default:
		b.Change = "add the dataset to sluice:batchDatasets (--dataset NAME prices a named one)"
	}
	c.Alternatives = []Alternative{a, b}
	limit := kibibytes(m.Stack.BatchExpressMaxKB) + " (sluice:batchExpressMaxKb)"
	if bt.Facts.Batch.HandedOff {
		c.Note = fmt.Sprintf("files this size (over %s, or more chunks than load inline) are handed by a batch's EXPRESS child to the per-file machine, whose execution is the per-file one (%d Standard transitions), and settled by the next batch's child: batches add two Express children and two Map transitions a file, the HEADs and the COPY; a batched file waits up to the schedule's interval",
			limit, len(pf.Facts.States))
	} else {
		c.Note = fmt.Sprintf("a batch's EXPRESS child runs the per-file stages inside a Parallel state (%d states a file, billed by request and duration, against %d Standard transitions per file) and heads, copies and deletes its file; a file over %s or of more chunks than load inline is handed to the per-file machine; a batched file waits up to the schedule's interval",
			len(bt.Facts.Batch.ChildStates), len(pf.Facts.States), limit)
	}
	if fpe := bt.Facts.Batch.FilesPerExecution; fpe > float64(m.Stack.BatchMaxFiles) {
		c.Note += fmt.Sprintf("; %s files a batch is more than batchMaxFiles %d: files would pile up", num(fpe), m.Stack.BatchMaxFiles)
	}
	return c, nil
}

// kibibytes writes a size given in KiB in MiB when it is whole MiB: "1
// MiB", "1536 KiB".
func kibibytes(kb int) string {
	if kb%1024 == 0 {
		return fmt.Sprintf("%d MiB", kb/1024)
	}
	return fmt.Sprintf("%d KiB", kb)
}

// storedUSD is the part of the bill that pays for data kept: storage,
// backup and archive lines (their unit is a GB-month).
func (b *Bill) storedUSD() float64 {
	sum := 0.0
	for _, name := range []string{"dynamodb", "s3"} {
		for _, l := range b.Services[name].Lines {
			if l.Unit == "GB-month" {
				sum += l.USD
			}
		}
	}
	return sum
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// recommend lists, per comparison, the cheapest alternative that can be
// set and saves at least 1% of the bill, largest saving first.
func recommend(current float64, cs []Comparison) []string {
	type rec struct {
		save float64
		text string
	}
	var recs []rec
	for _, c := range cs {
		var best *Alternative
		for i := range c.Alternatives {
			a := &c.Alternatives[i]
			if a.Current || a.Change == "" {
				continue
			}
			if best == nil || a.TotalUSD < best.TotalUSD {
				best = a
			}
		}
		if best == nil {
			continue
		}
		save := current - best.TotalUSD
		if save <= 0.01 || save < current/100 {
			continue
		}
		recs = append(recs, rec{save, fmt.Sprintf("%s: %s saves $%.2f a month (%.0f%%): %s", c.Topic, best.Name, save, 100*save/current, best.Change)})
	}
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && recs[j].save > recs[j-1].save; j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
	out := make([]string, 0, len(recs)+1)
	for _, r := range recs {
		out = append(out, r.text)
	}
	if len(out) == 0 {
		out = append(out, "the stack's settings are the cheapest of the alternatives compared (or save less than 1%)")
	}
	return out
}
