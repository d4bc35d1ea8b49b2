package dataset

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// Item attributes the pipeline writes besides the record's fields.
const (
	// AttrPK and AttrSK are the key attributes.
	AttrPK = "pk"
	AttrSK = "sk"
	// AttrLine is the line (or row) of the source file the record came
	// from; written by the transformer.
	AttrLine = "_line"
	// AttrSourceKey, AttrSourceVersion, AttrIngestedAt and AttrExecution
	// are added by the enricher (or the loader when there is no
	// enrichment).
	AttrSourceKey     = "_source_key"
	AttrSourceVersion = "_source_version"
	AttrIngestedAt    = "_ingested_at"
	AttrExecution     = "_execution"
	// AttrSourceOrder is the version order of the source object, added by
	// the loader to every item (functions/load.AttrSourceOrder).
	AttrSourceOrder = "_source_order"
)

func (d *Dataset) mustCompiled() error {
	if d == nil || d.c == nil {
		return fmt.Errorf("dataset %q is not compiled", d.nameOrNil())
	}
	return nil
}

func (d *Dataset) nameOrNil() string {
	if d == nil {
		return "<nil>"
	}
	return d.Name
}

// Compiled reports whether Compile succeeded on d.
func (d *Dataset) Compiled() bool { return d != nil && d.c != nil }

// Field returns the declared field called name.
func (d *Dataset) Field(name string) (*Field, bool) {
	if d.c == nil {
		for i := range d.Fields {
			if d.Fields[i].Name == name {
				return &d.Fields[i], true
			}
		}
		return nil, false
	}
	f, ok := d.c.fields[name]
	return f, ok
}

// RequiredColumns returns the input columns of the required fields that
// have no default, in field order: a CSV header lacking one of them rejects
// the file.
func (d *Dataset) RequiredColumns() []string {
	var out []string
	for _, f := range d.Fields {
		if _, def := d.Transforms.Defaults[f.Name]; f.Required && !def {
			out = append(out, f.Column)
		}
	}
	return out
}

// TargetTable returns the logical table (Table, or its default).
func (d *Dataset) TargetTable() Table {
	switch {
	case d.Table != "":
		return d.Table
	case d.Reference:
		return TableReference
	}
	return TableItems
}

// Policy returns the row-error policy with defaults applied.
func (d *Dataset) Policy() RowErrors {
	p := d.RowErrors
	if p.Mode == "" {
		p.Mode = RejectFile
	}
	return p
}

// Tolerates reports whether the policy accepts a file of rows rows of
// which bad are bad.
func (p RowErrors) Tolerates(rows, bad int64) bool {
	if bad == 0 {
		return true
	}
	if p.Mode != SkipBadRows || bad >= rows {
		return false
	}
	if p.MaxErrorRate == 0 {
		return true
	}
	return float64(bad) <= p.MaxErrorRate*float64(rows)
}

// FileSuffixes returns the accepted suffixes (Suffixes or the default).
func (d *Dataset) FileSuffixes() []string {
	if d.c != nil {
		return d.c.suffixes
	}
	if len(d.Suffixes) > 0 {
		return d.Suffixes
	}
	return []string{d.Format.Extension()}
}

// Matches reports whether an S3 key belongs to d: it starts with Prefix,
// ends with one of the suffixes (any case) and names a file directly or
// below the prefix.
func (d *Dataset) Matches(key string) bool {
	if !strings.HasPrefix(key, d.Prefix) || len(key) == len(d.Prefix) || strings.HasSuffix(key, "/") {
		return false
	}
	return d.HasSuffix(key)
}

// HasSuffix reports whether name ends with one of d's suffixes (any case).
func (d *Dataset) HasSuffix(name string) bool {
	lower := strings.ToLower(name)
	for _, s := range d.FileSuffixes() {
		if strings.HasSuffix(lower, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// exprEnvOf builds the expression environment of a normalised record
// holding only the variables names (nil: every one, exprEnv).
func (d *Dataset) exprEnvOf(rec map[string]any, names []string) map[string]any {
	if names == nil {
		return d.exprEnv(rec)
	}
	env := make(map[string]any, len(names))
	for _, name := range names {
		env[name] = d.exprValueOf(name, rec[name])
	}
	return env
}

// exprEnv builds the expression environment of a normalised record.
func (d *Dataset) exprEnv(rec map[string]any) map[string]any {
	env := make(map[string]any, len(rec))
	for k, v := range rec {
		env[k] = d.exprValueOf(k, v)
	}
	for name := range d.c.types {
		if _, ok := env[name]; !ok {
			env[name] = d.exprValueOf(name, nil) // nil, or an empty list
		}
	}
	return env
}

// exprValueOf converts the value of the record's name to its expression
// value (a typed slice for a list field).
func (d *Dataset) exprValueOf(name string, v any) any {
	if d.c.lists[name] {
		return listExprValue(d.c.types[name], v)
	}
	return exprValue(d.c.types[name], v)
}

// Keep evaluates the Filters on a normalised record: true keeps it. An
// evaluation error (a filter on a missing optional field, say) is returned
// as a FieldError with Code CodeFilter.
func (d *Dataset) Keep(rec map[string]any) (bool, error) {
	if err := d.mustCompiled(); err != nil {
		return false, err
	}
	if len(d.c.filters) == 0 {
		return true, nil
	}
	env := d.exprEnv(rec)
	for i, p := range d.c.filters {
		out, err := expr.Run(p, env)
		if err != nil {
			return false, FieldError{Field: fmt.Sprintf("Transforms.Filters[%d]", i), Code: CodeFilter, Reason: oneLine(err)}
		}
		if b, _ := out.(bool); !b {
			return false, nil
		}
	}
	return true, nil
}

// ItemKey renders the pk and sk of a normalised record.
func (d *Dataset) ItemKey(rec map[string]any) (pk, sk string, err error) {
	if err := d.mustCompiled(); err != nil {
		return "", "", err
	}
	get := func(name string) (string, bool) {
		v, ok := rec[name]
		return Text(v), ok && v != nil
	}
	if pk, err = d.c.pk.Render(get); err != nil {
		return "", "", FieldError{Field: AttrPK, Code: CodeKey, Reason: err.Error()}
	}
	if sk, err = d.c.sk.Render(get); err != nil {
		return "", "", FieldError{Field: AttrSK, Code: CodeKey, Reason: err.Error()}
	}
	return pk, sk, nil
}

// Stage completes a normalised, kept record into the document the
// transformer writes: pk, sk, the TTL attribute (epoch seconds), _line, and
// the fields minus Transforms.Drop. It modifies and returns rec.
func (d *Dataset) Stage(rec map[string]any, line int64) (map[string]any, error) {
	pk, sk, err := d.ItemKey(rec)
	if err != nil {
		return nil, err
	}
	if t := d.TTL; t != nil {
		if v, ok := rec[t.From].(string); ok {
			if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
				rec[t.Attribute] = json.Number(strconv.FormatInt(at.Add(t.After).Unix(), 10))
			} else if at, err := time.Parse(DateLayout, v); err == nil {
				rec[t.Attribute] = json.Number(strconv.FormatInt(at.Add(t.After).Unix(), 10))
			}
		}
	}
	for name := range d.c.drop {
		delete(rec, name)
	}
	rec[AttrPK], rec[AttrSK] = pk, sk
	rec[AttrLine] = line
	return rec, nil
}

// Calculate evaluates the calculated fields, in order, on an enriched
// record and stores the results: Decimal as json.Number (with Scale places
// when set), Int as json.Number, String and Bool as themselves. A field
// whose expression fails (an input is missing) is left absent and its error
// returned in the list; the others are still computed. A number a DynamoDB
// table cannot store (NumberLimit) is left absent too, its error a
// FieldError with Code CodeNumberLimit.
//
// A field whose expression is an Arith (x op y on Int and Decimal fields)
// is computed with it, without the expression machine, when the operands
// are in the form it takes; the text stored is the machine's either way.
func (d *Dataset) Calculate(rec map[string]any) []error {
	return d.calculate(rec, false, false)
}

// CalculateRow is Calculate restricted to the calculated fields that read
// only the record itself (Calculated.RowOnly), which a staged record holds
// all the inputs of: the validator uses it to refuse, as a bad row, a value
// the enricher could not write. It stores the results in rec like
// Calculate.
func (d *Dataset) CalculateRow(rec map[string]any) []error {
	return d.calculate(rec, true, false)
}

// calculate is Calculate (CalculateRow when rowOnly); machineOnly
// evaluates every field with the expression machine, not Arith: the
// reference the tests compare Arith with.
func (d *Dataset) calculate(rec map[string]any, rowOnly, machineOnly bool) []error {
	if err := d.mustCompiled(); err != nil {
		return []error{err}
	}
	var errs []error
	for i, cf := range d.Enrichment.Calculated {
		if rowOnly && !cf.rowOnly {
			continue
		}
		var num string
		computed := false
		if a := d.c.ariths[i]; a != nil && !machineOnly {
			num, computed = a.value(rec)
		}
		if !computed {
			env := d.exprEnvOf(rec, d.c.calcVars[i])
			out, err := expr.Run(d.c.calcs[i], env)
			if err != nil {
				errs = append(errs, fmt.Errorf("calculated field %s: %s", cf.Name, oneLine(err)))
				continue
			}
			switch v := out.(type) {
			case Number:
				if cf.Type == Int {
					num = v.Format(0)
				} else if cf.Scale > 0 {
					num = v.Format(cf.Scale)
				} else {
					num = v.String()
				}
			case int:
				if cf.Type == Decimal && cf.Scale > 0 {
					num = NumberFromInt(int64(v)).Format(cf.Scale)
				} else {
					num = strconv.Itoa(v)
				}
			case nil:
				delete(rec, cf.Name)
			default:
				rec[cf.Name] = v
			}
		}
		if num != "" {
			if why := NumberLimit(num); why != "" {
				// Left absent: the table could not store it.
				delete(rec, cf.Name)
				errs = append(errs, FieldError{Field: cf.Name, Value: Excerpt(num, 64), Code: CodeNumberLimit, Reason: why})
				continue
			}
			rec[cf.Name] = json.Number(num)
		}
	}
	return errs
}

// Reference returns the reference dataset of a lookup of a dataset compiled
// by NewSet (nil otherwise).
func (l *Lookup) Reference() *Dataset { return l.ref }

// MatchField returns Match or its default, On.
func (l *Lookup) MatchField() string {
	if l.Match != "" {
		return l.Match
	}
	return l.On
}

// KeyFor returns the reference item key (pk, sk) to get for a value of the
// record's On field. The lookup must come from a dataset compiled by NewSet.
func (l *Lookup) KeyFor(value any) (pk, sk string, err error) {
	if l.ref == nil {
		return "", "", fmt.Errorf("lookup from %q is not resolved (compile the dataset through NewSet)", l.From)
	}
	return l.ref.ItemKey(map[string]any{l.MatchField(): value})
}

// URLFor renders the URL of an HTTP enrichment for a record, escaping each
// value with url.PathEscape.
func (h *HTTPEnrichment) URLFor(rec map[string]any) (string, error) {
	if h.url == nil {
		return "", fmt.Errorf("http enrichment %q is not compiled", h.Name)
	}
	return h.url.Render(func(name string) (string, bool) {
		v, ok := rec[name]
		return url.PathEscape(Text(v)), ok && v != nil
	})
}
