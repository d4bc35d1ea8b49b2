package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform/cost"
	"github.com/spf13/cobra"
)

// costFlags are the flags of `sluice cost`.
type costFlags struct {
	stack          string
	filesPerDay    float64
	recordsPerFile int64
	recordBytes    int
	enrich         bool
	retryRate      float64
	months         float64
	dataset        string
	apiCalls       float64
	apiCallBytes   int
	apiCallOut     int
	prices         string
	project        string
	asJSON         bool
}

// costCommand estimates the monthly AWS bill of a stack for a workload.
func (c *cli) costCommand() *cobra.Command {
	var f costFlags
	cmd := &cobra.Command{
		Use:   "cost --stack NAME --files-per-day N --records-per-file M [--dataset NAME] [--record-bytes B] [--json]",
		Short: "estimate a stack's monthly AWS bill for a workload",
		Long: "Estimates the monthly bill of a stack by service: Step Functions transitions counted on the path a\n" +
			"LOADED file takes through the stack's compiled state machine, Lambda GB-seconds from the stack's\n" +
			"memory and measured per-record times, DynamoDB units from the item size and capacity mode, S3\n" +
			"requests and storage by lifecycle class, logs, KMS and EventBridge. Then it compares batch vs per\n" +
			"file, Standard vs Express, the capacity modes and chunk sizes, and recommends. A dataset the stack\n" +
			"runs in batches (sluice:batchDatasets, --dataset) is priced on the batch machine; a stack with\n" +
			"vpc pays for its interface endpoints by the zone-hour, egress nat for its NAT gateway and the API\n" +
			"calls' data transfer, tableReplicaRegions for sending items to the replicas. It reads\n" +
			"Pulumi.yaml and Pulumi.<stack>.yaml (the nearest folder above holding them, or --project DIR);\n" +
			"prices are us-east-1 list prices of a dated file (--prices FILE for others). docs/cost.md\n" +
			"states the model and what it leaves out.",
		Example: "  sluice cost --stack prod --files-per-day 1000 --records-per-file 10000\n" +
			"  sluice cost --stack dev --files-per-day 50 --records-per-file 200 --enrich --json\n" +
			"  sluice cost --stack prod --dataset readings --files-per-day 20000 --records-per-file 50",
		Annotations: exits("the estimate was printed", ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("want no arguments, got %q", args[0])
			}
			if !cmd.Flags().Changed("api-calls-per-record") {
				f.apiCalls = -1 // from the dataset's declaration
			}
			return c.cmdCost(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stack, "stack", "", "the stack to price (its Pulumi.<stack>.yaml); required")
	fl.Float64Var(&f.filesPerDay, "files-per-day", 0, "files arriving a day; required")
	fl.Int64Var(&f.recordsPerFile, "records-per-file", 0, "records in each file; required")
	fl.IntVar(&f.recordBytes, "record-bytes", 200, "bytes of one record as stored (attribute names and values)")
	fl.StringVar(&f.dataset, "dataset", "", "the dataset the files belong to (a built-in one): its declaration says whether it enriches and calls APIs, and the stack's batchDatasets whether it runs in batches")
	fl.BoolVar(&f.enrich, "enrich", false, "the dataset declares enrichment (the Enrich task runs); implied by a --dataset that does")
	fl.Float64Var(&f.apiCalls, "api-calls-per-record", 0, "external API calls the enricher makes a record (through the NAT gateway with egress nat); default: the --dataset's HTTP enrichments, else 0")
	fl.IntVar(&f.apiCallBytes, "api-call-bytes", cost.DefaultAPICallBytes, "bytes one API call moves through the NAT gateway, both directions")
	fl.IntVar(&f.apiCallOut, "api-call-out-bytes", 0, "bytes of --api-call-bytes that go out (the request: data transfer out to the internet); default: half")
	fl.Float64Var(&f.retryRate, "retry-rate", 0.01, "share of task attempts that fail once and are retried (0 to 1)")
	fl.Float64Var(&f.months, "months", 12, "price month N of operation: the bucket and tables then hold N months of data")
	fl.StringVar(&f.prices, "prices", "", "a prices file like platform/cost/prices-us-east-1.json (default: that file, built in)")
	fl.StringVar(&f.project, "project", "", "folder of Pulumi.yaml and Pulumi.<stack>.yaml (default: the nearest at or above the working directory)")
	fl.BoolVar(&f.asJSON, "json", false, `print the estimate as JSON: {"total_usd": ..., "services": {...}, "comparisons": [...], ...}`)
	return cmd
}

func (c *cli) cmdCost(f costFlags) error {
	switch {
	case f.stack == "":
		return usagef("--stack is required (a stack of this project: dev, prod)")
	case f.filesPerDay <= 0:
		return usagef("--files-per-day must be a positive number, got %v", f.filesPerDay)
	case f.recordsPerFile <= 0:
		return usagef("--records-per-file must be a positive number, got %d", f.recordsPerFile)
	case f.recordBytes <= 0:
		return usagef("--record-bytes must be a positive number, got %d", f.recordBytes)
	case !(f.retryRate >= 0 && f.retryRate <= 1):
		return usagef("--retry-rate must be between 0 and 1, got %v", f.retryRate)
	case !(f.months >= 1 && f.months <= 120):
		return usagef("--months must be between 1 and 120, got %v", f.months)
	case f.apiCallBytes <= 0:
		return usagef("--api-call-bytes must be a positive number, got %d", f.apiCallBytes)
	case f.apiCallOut < 0 || f.apiCallOut > f.apiCallBytes:
		return usagef("--api-call-out-bytes must be between 1 and --api-call-bytes (%d), got %d", f.apiCallBytes, f.apiCallOut)
	}
	dir := f.project
	if dir == "" {
		d, err := findProject()
		if err != nil {
			return usagef("%v; pass --project DIR", err)
		}
		dir = d
	} else if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return usagef("--project %s: no Pulumi.yaml there", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi."+f.stack+".yaml")); errors.Is(err, fs.ErrNotExist) {
		return usagef("unknown --stack %q: %s has no Pulumi.%s.yaml (stacks: %s)", f.stack, dir, f.stack, strings.Join(stacksIn(dir), ", "))
	}
	stack, err := cost.LoadStack(dir, f.stack)
	if err != nil {
		return usagef("%v", err)
	}
	prices := cost.DefaultPrices()
	if f.prices != "" {
		if prices, err = cost.LoadPrices(f.prices); err != nil {
			return usagef("--prices: %v", err)
		}
	}
	m, err := cost.NewModel(stack, prices, cost.DefaultTimings())
	if err != nil {
		return err
	}
	w := cost.Workload{FilesPerDay: f.filesPerDay, RecordsPerFile: f.recordsPerFile, RecordBytes: f.recordBytes,
		Enrich: f.enrich, RetryRate: f.retryRate, Months: f.months, Dataset: f.dataset, APICallsPerRecord: f.apiCalls, APICallBytes: f.apiCallBytes, APICallOutBytes: f.apiCallOut}
	if f.dataset != "" {
		set := dataset.Builtin()
		d, err := set.Lookup(f.dataset)
		if err != nil {
			return usagef("--dataset %q: not a dataset of this build (datasets: %s)", f.dataset, strings.Join(set.Names(), ", "))
		}
		w.Enrich = w.Enrich || d.Enrichment.Enabled()
		if w.APICallsPerRecord < 0 {
			w.APICallsPerRecord = float64(len(d.Enrichment.HTTP))
		}
	}
	w.APICallsPerRecord = max(w.APICallsPerRecord, 0)
	rep, err := m.Compare(w)
	if err != nil {
		return usagef("%v", err)
	}
	if f.asJSON {
		return c.printJSON(rep)
	}
	return c.printCost(f, rep)
}

// printCost writes the report as text: the table by service, each
// service's lines, the comparisons and the recommendations.
func (c *cli) printCost(f costFlags, r *cost.Report) error {
	out := c.stdout
	fmt.Fprintf(out, "sluice cost: stack %s, %s files a day of %d records × %d B, month %s of operation\n",
		r.Stack, trimFloat(f.filesPerDay), f.recordsPerFile, f.recordBytes, trimFloat(f.months))
	fmt.Fprintf(out, "prices: %s list prices checked %s; %d chunk(s) a file, %s\n\n",
		r.PricesRegion, r.PricesChecked, r.Facts.Chunks, pathSummary(r))
	if b := r.Facts.Batch; b != nil {
		each := fmt.Sprintf("each file in an EXPRESS child execution of %d states", len(b.ChildStates))
		if b.HandedOff {
			each = fmt.Sprintf("each file handed by an EXPRESS child execution (%d states) to the per-file machine, then settled by the next batch's (%d states)",
				len(b.ChildStates), len(b.SettleStates))
		}
		fmt.Fprintf(out, "%s runs in batches (sluice:batchDatasets): %s batch executions a month (%s) of %s files each; %s\n\n",
			b.Dataset, thousands(b.ExecutionsPerMonth), b.Schedule, thousands(b.FilesPerExecution), each)
	}
	fmt.Fprintf(out, "%-16s %12s\n", "service", "USD/month")
	for _, name := range cost.Services {
		if len(r.Services[name].Lines) == 0 {
			continue // a service the stack does not use (no VPC, no transfer)
		}
		fmt.Fprintf(out, "%-16s %12.2f\n", cost.ServiceTitles[name], r.Services[name].USD)
	}
	fmt.Fprintf(out, "%-16s %12.2f\n", "total", r.TotalUSD)
	if r.BudgetUSD > 0 {
		fmt.Fprintf(out, "%-16s %12.2f  (sluice:monthlyBudgetUsd; the estimate is %.0f%% of it)\n", "budget", float64(r.BudgetUSD), 100*r.TotalUSD/float64(r.BudgetUSD))
	}
	fmt.Fprintln(out)
	for _, name := range cost.Services {
		s := r.Services[name]
		if len(s.Lines) == 0 {
			continue
		}
		fmt.Fprintf(out, "%s\n", cost.ServiceTitles[name])
		for _, l := range s.Lines {
			fmt.Fprintf(out, "  %s\n    %s %s × $%s = $%.2f\n", l.Item, thousands(l.Quantity), l.Unit, trimFloat(l.UnitUSD), l.USD)
		}
	}
	fmt.Fprintf(out, "\ncomparisons (the whole bill, USD/month; * the stack's setting)\n")
	for _, cmp := range r.Comparisons {
		fmt.Fprintf(out, "  %s\n", cmp.Topic)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		for _, a := range cmp.Alternatives {
			mark := " "
			if a.Current {
				mark = "*"
			}
			fmt.Fprintf(tw, "   %s %s\t%10.2f\n", mark, a.Name, a.TotalUSD)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if cmp.Note != "" {
			fmt.Fprintf(out, "     (%s)\n", cmp.Note)
		}
	}
	fmt.Fprintf(out, "\nrecommendation\n")
	for _, rec := range r.Recommendations {
		fmt.Fprintf(out, "  - %s\n", rec)
	}
	return nil
}

// pathSummary says how a file goes through the machine.
func pathSummary(r *cost.Report) string {
	if !r.Facts.Distributed {
		return fmt.Sprintf("inline path of %d states", len(r.Facts.States))
	}
	return fmt.Sprintf("Distributed Map path: %d states + %d a chunk (%s chunk executions)", len(r.Facts.States), len(r.Facts.ChunkStates), r.Facts.MapExecutionType)
}

// findProject returns the nearest folder at or above the working
// directory holding Pulumi.yaml.
func findProject() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no Pulumi.yaml at or above the working directory")
		}
		dir = parent
	}
}

// stacksIn lists the stacks of dir's Pulumi.<stack>.yaml files.
func stacksIn(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// trimFloat formats v without trailing zeros.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.10f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// thousands formats a quantity with thousands separators, rounded to a whole
// number when large and to three decimals when small.
func thousands(v float64) string {
	if v < 100 {
		return trimFloat(float64(int64(v*1000+0.5)) / 1000)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}
