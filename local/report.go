package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

// Executions lists the recorded executions, newest first.
func (r *Runtime) Executions() ([]string, error) {
	return listExecutions(r.dir)
}

func listExecutions(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "executions", "*.result.json"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".result.json"))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	return names, nil
}

// reportData is what the HTML report shows.
type reportData struct {
	Result    FileResult
	Steps     []Step
	Unvisited []string
	Mermaid   string
	// Graph is the state machine drawn as inline SVG, the path taken
	// highlighted: it shows with no script and no network.
	Graph      template.HTML
	PathSVG    template.HTML
	Rejection  map[string]any
	Problems   []map[string]any
	Generated  string
	OutputJSON string
	// Started, Ended and Duration bound the execution (wall clock);
	// zero when the record predates them.
	Started, Ended string
	Duration       time.Duration
}

// Report renders the HTML report of an execution ("" for the latest).
func (r *Runtime) Report(ctx context.Context, execution string, w io.Writer) error {
	if execution == "" {
		names, err := r.Executions()
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return errors.New("no executions recorded in " + r.dir + " yet: run sluice run first")
		}
		execution = names[0]
	}
	base := filepath.Join(r.dir, "executions", filepath.Base(execution))
	rb, err := os.ReadFile(base + ".result.json")
	if err != nil {
		return fmt.Errorf("execution %q: %w", execution, err)
	}
	var rec struct {
		Result    FileResult          `json:"result"`
		Machine   *asl.StateMachine   `json:"machine"`
		Output    any                 `json:"output"`
		Started   time.Time           `json:"started"`
		Ended     time.Time           `json:"ended"`
		WallTimes map[int64]time.Time `json:"wallTimes"`
	}
	if err := json.Unmarshal(rb, &rec); err != nil {
		return fmt.Errorf("execution %q: %w", execution, err)
	}
	var hist struct {
		Events engine.History `json:"events"`
	}
	if hb, err := os.ReadFile(base + ".history.json"); err == nil {
		_ = json.Unmarshal(hb, &hist)
	}
	data := reportData{Result: rec.Result, Steps: TimelineAt(hist.Events, rec.WallTimes), Generated: time.Now().UTC().Format(time.RFC3339)}
	if !rec.Started.IsZero() && !rec.Ended.IsZero() {
		data.Started = rec.Started.Local().Format("2006-01-02 15:04:05.000 MST")
		data.Ended = rec.Ended.Local().Format("2006-01-02 15:04:05.000 MST")
		data.Duration = rec.Ended.Sub(rec.Started)
	}
	if ob, err := json.MarshalIndent(rec.Output, "", "  "); err == nil {
		data.OutputJSON = string(ob)
	}
	visited := map[string]bool{}
	for _, s := range data.Steps {
		visited[s.State] = true
	}
	if rec.Machine != nil {
		data.Mermaid = graph.MermaidWithPath(rec.Machine, visited)
		data.Graph = template.HTML(graph.SVG(rec.Machine, visited))
		for _, name := range allStates(rec.Machine.States) {
			if !visited[name] {
				data.Unvisited = append(data.Unvisited, name)
			}
		}
	}
	data.PathSVG = pathSVG(data.Steps, rec.Result.Status)
	if rec.Result.Report != "" {
		if rep, err := r.readJSON(ctx, rec.Result.Report); err == nil {
			data.Rejection = rep
			if ps, ok := rep["errors"].([]any); ok {
				for _, p := range ps {
					if m, ok := p.(map[string]any); ok {
						data.Problems = append(data.Problems, m)
					}
				}
			}
		}
	}
	return reportTemplate().Execute(w, data)
}

// ReadReport reads a validation report (or any JSON object) from the
// pipeline bucket.
func (r *Runtime) ReadReport(ctx context.Context, key string) (map[string]any, error) {
	return r.readJSON(ctx, key)
}

func (r *Runtime) readJSON(ctx context.Context, key string) (map[string]any, error) {
	out, err := r.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	var m map[string]any
	dec := json.NewDecoder(out.Body)
	dec.UseNumber()
	return m, dec.Decode(&m)
}

func allStates(states asl.States) []string {
	var out []string
	for _, ns := range states {
		out = append(out, ns.Name)
		switch s := ns.State.(type) {
		case *asl.Parallel:
			for _, b := range s.Branches {
				out = append(out, allStates(b.States)...)
			}
		case *asl.Map:
			if p := s.Processor(); p != nil {
				out = append(out, allStates(p.States)...)
			}
		}
	}
	return out
}

// pathSVG draws the states the execution went through, in order, as a
// column of boxes: green when every attempt succeeded, amber when some
// were retried, red for the failing end.
func pathSVG(steps []Step, status Status) template.HTML {
	const w, h, gap = 360, 44, 18
	var b bytes.Buffer
	height := len(steps)*(h+gap) + 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="path taken">`, w+20, height)
	b.WriteString(`<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="4" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>`)
	for i, s := range steps {
		y := 5 + i*(h+gap)
		fill := "#e6f4ea"
		stroke := "#1e8e3e"
		rejected := status == Rejected && slices.Contains(s.Caught, "ValidationFailed")
		if s.Retries > 0 {
			fill, stroke = "#fef7e0", "#f9ab00"
		}
		if rejected {
			fill, stroke = "#fce8e6", "#d93025"
		}
		if i == len(steps)-1 && status == Failed {
			fill, stroke = "#fce8e6", "#d93025"
		}
		fmt.Fprintf(&b, `<rect x="10" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s" stroke-width="2"/>`, y, w, h, fill, stroke)
		label := template.HTMLEscapeString(s.State)
		detail := template.HTMLEscapeString(fmt.Sprintf("%s · %s", s.Type, s.Duration.Round(time.Millisecond)))
		if s.Entries > 1 {
			detail += fmt.Sprintf(" · ×%d, each %s–%s", s.Entries, s.Min.Round(time.Millisecond), s.Max.Round(time.Millisecond))
		}
		if s.Records >= 0 {
			detail += fmt.Sprintf(" · %d records", s.Records)
		}
		switch {
		case rejected:
			detail += " · rejected the file (ValidationFailed)"
		case s.Retries > 0:
			detail += fmt.Sprintf(" · %d failed attempt(s) retried", s.Retries)
		case len(s.Caught) > 0:
			detail += " · caught " + strings.Join(slices.Compact(slices.Clone(s.Caught)), ", ")
		}
		fmt.Fprintf(&b, `<text x="24" y="%d" font-family="sans-serif" font-size="14" font-weight="bold">%s</text>`, y+18, label)
		fmt.Fprintf(&b, `<text x="24" y="%d" font-family="sans-serif" font-size="12" fill="#444">%s</text>`, y+36, detail)
		if i < len(steps)-1 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-width="2" marker-end="url(#arrow)"/>`, 10+w/2, y+h, 10+w/2, y+h+gap-2)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// reportTemplate parses the report page on first use, not at start-up:
// most processes that link this package never render one.
var reportTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"ms":    func(d time.Duration) string { return d.Round(time.Millisecond).String() },
		"lower": func(s Status) string { return strings.ToLower(string(s)) },
	}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>sluice report: {{.Result.Key}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#202124;max-width:1100px}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:2rem}
.status{display:inline-block;padding:.2rem .6rem;border-radius:1rem;font-weight:bold;color:#fff}
.loaded{background:#1e8e3e}.rejected{background:#f9ab00}.duplicate{background:#5f6368}.failed{background:#d93025}
table{border-collapse:collapse;margin-top:.5rem} td,th{border:1px solid #dadce0;padding:.3rem .6rem;text-align:left;font-size:.9rem}
th{background:#f1f3f4} .num{text-align:right} .cols{display:flex;gap:2rem;align-items:flex-start}
pre{background:#f8f9fa;padding:.8rem;overflow:auto;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere} .muted{color:#5f6368}
</style></head><body>
<h1>{{.Result.Key}} <span class="status {{lower .Result.Status}}">{{.Result.Status}}</span></h1>
<div class="muted">dataset <b>{{.Result.Dataset}}</b>{{if .Result.VersionID}} · version {{.Result.VersionID}}{{end}} · execution {{.Result.Execution}} · report generated {{.Generated}}</div>
{{if .Started}}<table id="execution"><tr><th>started</th><th>ended</th><th>duration</th></tr>
<tr><td>{{.Started}}</td><td>{{.Ended}}</td><td class="num">{{ms .Duration}}</td></tr></table>{{end}}
<table><tr><th>records in</th><th>loaded</th><th>rejected</th></tr>
<tr><td class="num">{{.Result.RecordsIn}}</td><td class="num">{{.Result.RecordsLoaded}}</td><td class="num">{{.Result.RecordsRejected}}</td></tr></table>
{{if .Result.Error}}<h2>Error</h2><p><b>{{.Result.Error}}</b></p><pre>{{.Result.Cause}}</pre>{{else if .Result.Cause}}<h2>Reason</h2><pre>{{.Result.Cause}}</pre>{{end}}
<div class="cols"><div>
<h2>Path taken</h2>
{{.PathSVG}}
{{if .Unvisited}}<p class="muted">Not visited: {{range $i, $s := .Unvisited}}{{if $i}}, {{end}}{{$s}}{{end}}</p>{{end}}
</div><div>
<h2>States</h2>
<table id="states"><tr><th>state</th><th>type</th><th>wall time</th><th>runs</th><th>each run min / median / max</th><th>records</th><th>retried attempts</th><th>caught</th></tr>
{{range .Steps}}<tr><td>{{.State}}</td><td>{{.Type}}</td><td class="num">{{ms .Duration}}</td><td class="num">{{.Entries}}</td><td class="num">{{if gt .Entries 1}}{{ms .Min}} / {{ms .Median}} / {{ms .Max}}{{end}}</td><td class="num">{{if ge .Records 0}}{{.Records}}{{end}}</td><td>{{if .Retries}}{{.Retries}}: {{range $i, $e := .Errors}}{{if $i}}, {{end}}{{$e}}{{end}}{{end}}</td><td>{{range $i, $e := .Caught}}{{if $i}}, {{end}}{{$e}}{{end}}{{if .Failed}} failed: {{.Failed}}{{end}}</td></tr>
{{end}}</table>
<p class="muted">Wall time counts overlapping runs (parallel Map iterations) once, so it is never more than the execution's duration.</p>
</div></div>
{{if .Rejection}}<h2>Validation report</h2>
<p>{{.Rejection.status}}{{if .Rejection.reason}}: {{.Rejection.reason}}{{end}} · rows {{.Rejection.rows}} · bad rows {{.Rejection.badRows}}</p>
{{if .Problems}}<table><tr><th>line</th><th>row</th><th>field</th><th>value</th><th>code</th><th>reason</th></tr>
{{range .Problems}}<tr><td class="num">{{.line}}</td><td class="num">{{.row}}</td><td>{{.field}}</td><td>{{.value}}</td><td>{{.code}}</td><td>{{.reason}}</td></tr>
{{end}}</table>{{end}}{{end}}
<h2>Output</h2><pre>{{.OutputJSON}}</pre>
{{if .Graph}}<h2>State machine</h2>
<p class="muted">The path taken is green; dashed arcs are Catch transitions. Hover an arc for its full label.</p>
<div id="graph">{{.Graph}}</div>
<details><summary>Mermaid source (renders on GitHub and mermaid.live)</summary><pre>{{.Mermaid}}</pre></details>{{end}}
</body></html>
`))
})
