package dataset

import (
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

// Issue codes of Compile. They are stable: tests match on them.
const (
	CodeBadName         = "BadName"
	CodeBadPrefix       = "BadPrefix"
	CodeBadSize         = "BadSize"
	CodeBadFormat       = "BadFormat"
	CodeNoFields        = "NoFields"
	CodeDuplicateField  = "DuplicateField"
	CodeReservedName    = "ReservedName"
	CodeBadType         = "BadType"
	CodeBadPattern      = "BadPattern"
	CodeBadBound        = "BadBound"
	CodeBadOption       = "BadOption"
	CodeBadTemplate     = "BadTemplate"
	CodeUnknownField    = "UnknownField"
	CodeOptionalKey     = "OptionalKeyField"
	CodeBadExpr         = "BadExpr"
	CodeBadLookup       = "BadLookup"
	CodeBadTTL          = "BadTTL"
	CodeBadPolicy       = "BadPolicy"
	CodeBadTable        = "BadTable"
	CodeDuplicateName   = "DuplicateDataset"
	CodeOverlappingKeys = "OverlappingPrefix"
	CodeInsecureURL     = "InsecureURL"
	CodeBadHeader       = "BadHeader"
	CodeBadAuth         = "BadAuth"
)

// Issue is one problem found by Compile or NewSet.
type Issue struct {
	// Dataset names the dataset.
	Dataset string
	// Path locates the problem in the declaration, such as
	// "Fields[quantity].Min" or "Enrichment.Calculated[total].Expr".
	Path string
	// Code is a stable identifier (the Code* constants).
	Code string
	// Msg explains.
	Msg string
}

func (i Issue) Error() string {
	return fmt.Sprintf("dataset %q: %s: %s", i.Dataset, i.Path, i.Msg)
}

// Issues is every problem of a declaration, sorted by dataset and path.
type Issues []Issue

func (is Issues) Error() string {
	msgs := make([]string, len(is))
	for i, x := range is {
		msgs[i] = x.Error()
	}
	return strings.Join(msgs, "; ")
}

// validName reports whether s is a dataset name: ^[a-z][a-z0-9_-]{0,62}$.
func validName(s string) bool { return lowerIdent(s, 63, true) }

// validField reports whether s is a field or attribute name:
// ^[a-z][a-z0-9_]{0,63}$.
func validField(s string) bool { return lowerIdent(s, 64, false) }

// lowerIdent reports whether s is 1 to max bytes of a lower-case letter
// followed by lower-case letters, digits, '_' and, with dash, '-'. It is
// written out rather than a regexp: the bounded repetition compiles to
// dozens of instructions, which every process linking this package paid
// for at start-up.
func lowerIdent(s string, max int, dash bool) bool {
	if len(s) == 0 || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_':
		case c == '-' && dash:
		default:
			return false
		}
	}
	return true
}

// Compile checks the whole declaration and prepares it for use. It returns
// all problems as Issues (never stopping at the first); on success the
// Dataset is ready and must not be modified. Compiling twice is allowed and
// recompiles.
func (d *Dataset) Compile() error {
	var is Issues
	add := func(path, code, format string, args ...any) {
		is = append(is, Issue{Dataset: d.Name, Path: path, Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	c := &compiled{
		fields:   map[string]*Field{},
		columns:  map[string]*Field{},
		drop:     map[string]bool{},
		caseOf:   map[string]Case{},
		defaults: map[string]string{},
		types:    map[string]Type{},
		lists:    map[string]bool{},
	}
	d.compileSource(c, add)
	d.compileFields(c, add)
	d.compileTransforms(c, add)
	d.compileKey(c, add)
	d.compileExpressions(c, add)
	d.compileTarget(c, add)
	if len(is) > 0 {
		sort.SliceStable(is, func(i, j int) bool { return is[i].Path < is[j].Path })
		d.c = nil
		return is
	}
	d.c = c
	c.allowance = d.itemAllowance()
	for i := range d.Enrichment.Calculated {
		c.ariths = append(c.ariths, d.compileArith(c, i))
	}
	return nil
}

// issueAdder records one problem of the declaration (Compile's add).
type issueAdder = func(path, code, format string, args ...any)

// compileSource checks what routes a file to the dataset and how it is
// read: name, prefix, size bounds, format and suffixes.
func (d *Dataset) compileSource(c *compiled, add issueAdder) {
	if !validName(d.Name) {
		add("Name", CodeBadName, "name %q must be lower-case letters, digits, '-' or '_', starting with a letter", d.Name)
	}
	if d.Prefix == "" || !strings.HasSuffix(d.Prefix, "/") || strings.HasPrefix(d.Prefix, "/") {
		add("Prefix", CodeBadPrefix, "prefix %q must be non-empty, end with '/' and not start with '/'", d.Prefix)
	}
	if d.MinSize < 0 || d.MaxSize < 0 || d.MaxSize > 0 && d.MaxSize < d.MinSize {
		add("MaxSize", CodeBadSize, "size bounds %d..%d are invalid", d.MinSize, d.MaxSize)
	}
	d.compileFormat(add)
	c.suffixes = d.Suffixes
	if len(c.suffixes) == 0 {
		c.suffixes = []string{d.Format.Extension()}
	}
	for i, s := range c.suffixes {
		if s == "" {
			add(fmt.Sprintf("Suffixes[%d]", i), CodeBadFormat, "empty suffix")
		}
	}

}

// compileFields checks the fields and indexes them by name and by the
// column they read.
func (d *Dataset) compileFields(c *compiled, add issueAdder) {
	if len(d.Fields) == 0 {
		add("Fields", CodeNoFields, "no fields declared")
	}
	renamed := map[string]string{} // field -> column
	for col, name := range d.Transforms.Rename {
		renamed[name] = col
	}
	for i := range d.Fields {
		f := &d.Fields[i]
		p := fmt.Sprintf("Fields[%s]", f.Name)
		if f.Name == "" {
			p = fmt.Sprintf("Fields[%d]", i)
		}
		d.compileField(f, p, add)
		d.compileList(f, p, add)
		if f.List != nil {
			c.lists[f.Name] = true
		}
		if _, dup := c.fields[f.Name]; dup {
			add(p, CodeDuplicateField, "field %q declared twice", f.Name)
		}
		c.fields[f.Name] = f
		if f.Column == "" {
			f.Column = f.Name
			if col, ok := renamed[f.Name]; ok {
				f.Column = col
			}
		}
		f.path = nil
		if d.Format.Kind == XML && strings.Contains(f.Column, "/") {
			f.path = strings.Split(f.Column, "/")
			for _, step := range f.path {
				if step == "" {
					add(p+".Column", CodeBadOption, "column path %q has an empty step", f.Column)
				}
			}
		}
		if g, dup := c.columns[f.Column]; dup {
			add(p+".Column", CodeDuplicateField, "column %q already read by field %q", f.Column, g.Name)
		}
		c.columns[f.Column] = f
	}
	if d.Format.Kind == CSV && d.Format.NoHeader {
		cols := map[string]bool{}
		for _, col := range d.Format.Columns {
			cols[col] = true
		}
		for _, f := range d.Fields {
			if !cols[f.Column] {
				add("Fields["+f.Name+"].Column", CodeUnknownField, "column %q is not in Format.Columns", f.Column)
			}
		}
	}

}

// compileTransforms checks the renames, cases, defaults and drops against
// the fields.
func (d *Dataset) compileTransforms(c *compiled, add issueAdder) {
	for col, name := range d.Transforms.Rename {
		if _, ok := c.fields[name]; !ok {
			add("Transforms.Rename["+col+"]", CodeUnknownField, "renames to undeclared field %q", name)
		}
	}
	for _, name := range sortedKeys(d.Transforms.Case) {
		cs := d.Transforms.Case[name]
		f, ok := c.fields[name]
		switch {
		case !ok:
			add("Transforms.Case["+name+"]", CodeUnknownField, "undeclared field %q", name)
		case f.Type != String:
			add("Transforms.Case["+name+"]", CodeBadOption, "case applies to string fields, %q is %s", name, f.Type)
		case cs != Upper && cs != Lower:
			add("Transforms.Case["+name+"]", CodeBadOption, "case %q is not upper or lower", cs)
		}
		c.caseOf[name] = cs
	}
	for _, name := range sortedKeys(d.Transforms.Defaults) {
		def := d.Transforms.Defaults[name]
		f, ok := c.fields[name]
		if !ok {
			add("Transforms.Defaults["+name+"]", CodeUnknownField, "undeclared field %q", name)
			continue
		}
		if f.List != nil {
			add("Transforms.Defaults["+name+"]", CodeListField, "a default is one text; field %q is a list", name)
			continue
		}
		if _, fe := f.convert(def, c.caseOf[name]); fe != nil {
			add("Transforms.Defaults["+name+"]", CodeBadOption, "default %q is invalid: %s", def, fe.Reason)
		}
		c.defaults[name] = def
	}
	for i, name := range d.Transforms.Drop {
		if _, ok := c.fields[name]; !ok {
			add(fmt.Sprintf("Transforms.Drop[%d]", i), CodeUnknownField, "undeclared field %q", name)
		}
		c.drop[name] = true
	}

}

// compileKey parses the partition and sort key templates; every field
// they name must always have a value.
func (d *Dataset) compileKey(c *compiled, add issueAdder) {
	keyField := func(path string, t *Template) {
		for _, name := range t.Fields() {
			f, ok := c.fields[name]
			switch {
			case !ok:
				add(path, CodeUnknownField, "template names undeclared field %q", name)
			case f.List != nil:
				add(path, CodeListField, "key field %q is a list: a key is built from single values", name)
			case !f.Required:
				if _, def := d.Transforms.Defaults[name]; !def {
					add(path, CodeOptionalKey, "key field %q must be Required or have a default", name)
				}
			}
		}
	}
	if d.Key.Partition == "" {
		add("Key.Partition", CodeBadTemplate, "the partition key template is required")
	} else if t, err := ParseTemplate(d.Key.Partition); err != nil {
		add("Key.Partition", CodeBadTemplate, "%v", err)
	} else {
		c.pk = t
		keyField("Key.Partition", t)
	}
	sk := d.Key.Sort
	if sk == "" {
		sk = DefaultSortKey
	}
	if t, err := ParseTemplate(sk); err != nil {
		add("Key.Sort", CodeBadTemplate, "%v", err)
	} else {
		c.sk = t
		keyField("Key.Sort", t)
	}

}

// compileExpressions type-checks the filters and the enrichment. The
// expressions see the fields plus what enrichment adds before them.
func (d *Dataset) compileExpressions(c *compiled, add issueAdder) {
	env := map[string]any{}
	for _, f := range d.Fields {
		env[f.Name] = sampleValue(f.Type)
		if f.List != nil {
			env[f.Name] = listSample(f.Type)
		}
		c.types[f.Name] = f.Type
	}
	for i, fl := range d.Transforms.Filters {
		p, err := compileExpr(fl, env, reflect.TypeOf(true))
		if err != nil {
			add(fmt.Sprintf("Transforms.Filters[%d]", i), CodeBadExpr, "%v", oneLine(err))
			continue
		}
		c.filters = append(c.filters, p)
	}
	d.compileEnrichment(c, env, add)

}

// compileTarget checks where and how records are kept: the table, the TTL
// and the row-error policy.
func (d *Dataset) compileTarget(c *compiled, add issueAdder) {
	switch d.Table {
	case "":
	case TableItems, TableReference:
	default:
		add("Table", CodeBadTable, "table %q is not %q or %q", d.Table, TableItems, TableReference)
	}
	if t := d.TTL; t != nil {
		f, ok := c.fields[t.From]
		switch {
		case t.Attribute == "" || !validField(t.Attribute):
			add("TTL.Attribute", CodeBadTTL, "attribute %q must be a lower-case name", t.Attribute)
		case t.After <= 0:
			add("TTL.After", CodeBadTTL, "duration must be positive")
		case !ok:
			add("TTL.From", CodeUnknownField, "undeclared field %q", t.From)
		case f.List != nil:
			add("TTL.From", CodeListField, "field %q is a list, not one date or timestamp", t.From)
		case f.Type != Date && f.Type != Timestamp:
			add("TTL.From", CodeBadTTL, "field %q is %s, not date or timestamp", t.From, f.Type)
		}
		if _, clash := c.fields[t.Attribute]; clash {
			add("TTL.Attribute", CodeDuplicateField, "attribute %q is also a field", t.Attribute)
		}
	}
	switch d.RowErrors.Mode {
	case "", RejectFile, SkipBadRows:
	default:
		add("RowErrors.Mode", CodeBadPolicy, "mode %q is not %q or %q", d.RowErrors.Mode, RejectFile, SkipBadRows)
	}
	if r := d.RowErrors.MaxErrorRate; r < 0 || r > 1 || r != r {
		add("RowErrors.MaxErrorRate", CodeBadPolicy, "rate %v is not between 0 and 1", r)
	}

}

// compileFormat checks the format declaration.
func (d *Dataset) compileFormat(add issueAdder) {
	f := d.Format
	switch f.Kind {
	case CSV:
		if f.Delimiter == '\r' || f.Delimiter == '\n' || f.Delimiter == '"' && f.Quote == 0 || f.Delimiter != 0 && f.Delimiter == f.Quote {
			add("Format.Delimiter", CodeBadFormat, "delimiter %q is not usable", f.Delimiter)
		}
		if f.Delimiter > 127 || f.Quote > 127 {
			add("Format.Delimiter", CodeBadFormat, "delimiter and quote must be ASCII characters")
		}
		if f.Quote == '\r' || f.Quote == '\n' {
			add("Format.Quote", CodeBadFormat, "quote %q is not usable", f.Quote)
		}
		if f.NoHeader && len(f.Columns) == 0 {
			add("Format.Columns", CodeBadFormat, "a CSV file without header needs Columns")
		}
	case JSON, JSONL:
	case XML:
		if f.RecordElement == "" {
			add("Format.RecordElement", CodeBadFormat, "an XML dataset needs RecordElement")
		}
	default:
		add("Format.Kind", CodeBadFormat, "kind %q is not csv, json, jsonl or xml", f.Kind)
	}
	if f.Kind != CSV && (f.Delimiter != 0 || f.Quote != 0 || f.NoHeader || len(f.Columns) > 0) {
		add("Format", CodeBadFormat, "CSV options set on a %s dataset", f.Kind)
	}
	if f.Kind != XML && f.RecordElement != "" {
		add("Format.RecordElement", CodeBadFormat, "RecordElement set on a %s dataset", f.Kind)
	}
}

// compileField checks one field declaration at path p.
func (d *Dataset) compileField(f *Field, p string, add issueAdder) {
	f.re, f.min, f.max = nil, nil, nil
	if !validField(f.Name) {
		add(p+".Name", CodeBadName, "field name %q must be lower-case snake_case", f.Name)
	}
	if f.Name == "pk" || f.Name == "sk" || strings.HasPrefix(f.Name, "_") {
		add(p+".Name", CodeReservedName, "field name %q is reserved", f.Name)
	}
	switch f.Type {
	case String, Int, Decimal, Bool, Date, Timestamp, Enum:
	default:
		add(p+".Type", CodeBadType, "type %q is not one of string, int, decimal, bool, date, timestamp, enum", f.Type)
	}
	if f.Pattern != "" {
		if f.Type != String && f.Type != Enum {
			add(p+".Pattern", CodeBadOption, "pattern applies to string and enum fields")
		}
		re, err := regexp.Compile("^(?:" + f.Pattern + ")$")
		if err != nil {
			add(p+".Pattern", CodeBadPattern, "%v", err)
		}
		f.re = re
	}
	bound := func(name, s string) *ratBound {
		if s == "" {
			return nil
		}
		if f.Type != Int && f.Type != Decimal {
			add(p+"."+name, CodeBadBound, "%s applies to int and decimal fields", name)
			return nil
		}
		canon, err := canonicalDecimal(s, 0)
		if err != nil {
			add(p+"."+name, CodeBadBound, "%v", err)
			return nil
		}
		r, _ := new(big.Rat).SetString(canon)
		return &ratBound{src: s, r: r, canon: canon}
	}
	f.min, f.max = bound("Min", f.Min), bound("Max", f.Max)
	if f.min != nil && f.max != nil && f.min.r.Cmp(f.max.r) > 0 {
		add(p+".Max", CodeBadBound, "Max %s is below Min %s", f.Max, f.Min)
	}
	if f.MaxLength < 0 || f.MaxLength > 0 && f.Type != String {
		add(p+".MaxLength", CodeBadOption, "MaxLength must be positive and applies to string fields")
	}
	if f.Type == Enum {
		if len(f.Values) == 0 {
			add(p+".Values", CodeBadOption, "an enum needs Values")
		}
		seen := map[string]bool{}
		for _, v := range f.Values {
			k := v
			if f.CaseInsensitive {
				k = strings.ToLower(v)
			}
			if v == "" || seen[k] {
				add(p+".Values", CodeBadOption, "enum value %q is empty or repeated", v)
			}
			seen[k] = true
		}
	} else if len(f.Values) > 0 || f.CaseInsensitive {
		add(p+".Values", CodeBadOption, "Values and CaseInsensitive apply to enum fields")
	}
	if len(f.Layouts) > 0 && f.Type != Date && f.Type != Timestamp {
		add(p+".Layouts", CodeBadOption, "Layouts apply to date and timestamp fields")
	}
	for _, l := range f.Layouts {
		// A layout must round-trip a reference instant to be usable.
		ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
		if _, err := time.Parse(l, ref.Format(l)); err != nil || l == "" {
			add(p+".Layouts", CodeBadOption, "layout %q cannot be parsed", l)
		}
	}
	if f.Scale < 0 || f.Scale > 0 && f.Type != Decimal {
		add(p+".Scale", CodeBadOption, "Scale must be positive and applies to decimal fields")
	}
}

// compileEnrichment checks the enrichment in the order it runs (lookups,
// HTTP, calculated fields), adding what each step adds to env.
func (d *Dataset) compileEnrichment(c *compiled, env map[string]any, add issueAdder) {
	added := newFieldAdder(env, add)
	d.compileLookups(c, added, add)
	d.compileHTTP(c, env, added, add)
	d.compileCalculated(c, env, added, add)
}

// fieldAdder declares a field that enrichment adds, at path, with a sample
// value of its type for the expressions that read it.
type fieldAdder func(path, name string, v any)

// newFieldAdder returns the fieldAdder of env: it refuses a bad or
// duplicate name.
func newFieldAdder(env map[string]any, add issueAdder) fieldAdder {
	return func(path, name string, v any) {
		if !validField(name) || name == "pk" || name == "sk" {
			add(path, CodeBadName, "field name %q must be lower-case snake_case and not pk or sk", name)
		}
		if _, dup := env[name]; dup {
			add(path, CodeDuplicateField, "field %q already exists", name)
		}
		env[name] = v
	}
}

// compileLookups checks the lookups in reference datasets and declares the
// fields they copy and flag.
func (d *Dataset) compileLookups(c *compiled, added fieldAdder, add issueAdder) {
	for i := range d.Enrichment.Lookups {
		l := &d.Enrichment.Lookups[i]
		p := fmt.Sprintf("Enrichment.Lookups[%d]", i)
		if f, ok := c.fields[l.On]; !ok {
			add(p+".On", CodeUnknownField, "undeclared field %q", l.On)
		} else if f.List != nil {
			add(p+".On", CodeListField, "field %q is a list: a lookup joins on one value (joining on each element is not supported)", l.On)
		}
		if l.From == "" {
			add(p+".From", CodeBadLookup, "the reference dataset is required")
		}
		if len(l.Copy) == 0 && l.MissingFlag == "" {
			add(p+".Copy", CodeBadLookup, "a lookup must copy fields or set a flag")
		}
		for _, to := range sortedKeys(l.Copy) {
			var v any = ""
			c.types[to] = String
			if l.ref != nil {
				if rf, ok := l.ref.c.fields[l.Copy[to]]; ok && rf.List != nil {
					add(p+".Copy["+to+"]", CodeListField, "reference field %q of %q is a list: copying a list is not supported", l.Copy[to], l.From)
				} else if ok {
					v = sampleValue(rf.Type)
					c.types[to] = rf.Type
				} else {
					add(p+".Copy["+to+"]", CodeUnknownField, "reference dataset %q has no field %q", l.From, l.Copy[to])
				}
			}
			added(p+".Copy["+to+"]", to, v)
		}
		if l.MissingFlag != "" {
			added(p+".MissingFlag", l.MissingFlag, false)
			c.types[l.MissingFlag] = Bool
		}
	}
}

// compileCalculated type-checks the calculated fields in order (each sees
// the ones before it) and marks those that read only the record's own
// fields (row-only).
func (d *Dataset) compileCalculated(c *compiled, env map[string]any, added fieldAdder, add issueAdder) {
	// The record's own names: its fields, then the calculated fields that
	// read nothing else.
	own := map[string]bool{}
	for _, f := range d.Fields {
		own[f.Name] = true
	}
	for i := range d.Enrichment.Calculated {
		cf := &d.Enrichment.Calculated[i]
		cf.rowOnly = false
		p := fmt.Sprintf("Enrichment.Calculated[%s]", cf.Name)
		want := calculatedType(cf.Type)
		if want == nil {
			add(p+".Type", CodeBadType, "a calculated field is string, int, decimal or bool, not %q", cf.Type)
		}
		if cf.Scale < 0 || cf.Scale > 0 && cf.Type != Decimal {
			add(p+".Scale", CodeBadOption, "Scale must be positive and applies to decimal fields")
		}
		prog, err := compileExpr(cf.Expr, env, nil)
		if err != nil {
			add(p+".Expr", CodeBadExpr, "%v", oneLine(err))
		} else if got := prog.Node().Type(); want != nil && got != nil && got != want && !(cf.Type == Decimal && got == reflect.TypeOf(0)) && got.Kind() != reflect.Interface {
			add(p+".Expr", CodeBadExpr, "expression is of type %s, not %s", got, cf.Type)
		}
		c.calcs = append(c.calcs, prog)
		var vars []string
		if prog != nil {
			var all bool
			vars, all = exprVars(prog.Node(), env)
			if all {
				vars = nil
			} else {
				cf.rowOnly = true
				for _, v := range vars {
					cf.rowOnly = cf.rowOnly && own[v]
				}
			}
			if cf.rowOnly {
				own[cf.Name] = true
			}
		}
		c.calcVars = append(c.calcVars, vars)
		added(p+".Name", cf.Name, sampleValue(cf.Type))
		c.types[cf.Name] = cf.Type
	}
	d.proveCalculated()
}

// calculatedType is the Go type an expression of a calculated field of
// type t must have; nil for a type a calculated field cannot be.
func calculatedType(t Type) reflect.Type {
	switch t {
	case String:
		return reflect.TypeOf("")
	case Int:
		return reflect.TypeOf(0)
	case Decimal:
		return reflect.TypeOf(Number{})
	case Bool:
		return reflect.TypeOf(true)
	}
	return nil
}

// exprVars returns the variables of env the expression tree names, in
// the order first named. An identifier env does not hold (a function, a
// let variable) is not a variable. all reports $env, which reaches every
// variable.
func exprVars(root ast.Node, env map[string]any) (vars []string, all bool) {
	v := &identVisitor{env: env, seen: map[string]bool{}}
	ast.Walk(&root, v)
	return v.vars, v.all
}

type identVisitor struct {
	env  map[string]any
	seen map[string]bool
	vars []string
	all  bool
}

func (v *identVisitor) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok {
		return
	}
	if id.Value == "$env" {
		v.all = true
		return
	}
	if _, isVar := v.env[id.Value]; isVar && !v.seen[id.Value] {
		v.seen[id.Value] = true
		v.vars = append(v.vars, id.Value)
	}
}

func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
