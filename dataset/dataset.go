package dataset

import (
	"regexp"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Dataset declares one kind of file and how its records become items. Fill in
// the exported fields, then call Compile (or NewSet, which compiles). The
// unexported state is filled by Compile; a compiled Dataset must not be
// modified.
type Dataset struct {
	// Name identifies the dataset: lower-case letters, digits, '-' and '_'.
	// It appears in S3 keys, resource names and items.
	Name string
	// Description says what the data is, for documentation and reports.
	Description string
	// Prefix is where its files land in the incoming bucket, such as
	// "incoming/orders/". It must end with '/'. Prefixes of two datasets of
	// a set must not overlap.
	Prefix string
	// Suffixes lists the accepted file name endings, compared without regard
	// to case, such as ".csv" or ".csv.gz". Default: the format's extension
	// (".csv", ".json", ".jsonl", ".xml"), with ".gz" appended when
	// Format.Gzip is set.
	Suffixes []string
	// MinSize and MaxSize bound the object size in bytes; the EventBridge
	// rule filters on them and the validator enforces them. MaxSize 0 means
	// no bound. An empty file is always rejected, whatever MinSize.
	MinSize, MaxSize int64
	// Format says how the file is encoded.
	Format Format
	// Fields declares the typed record fields, in output order.
	Fields []Field
	// Key builds the item key from the normalised fields.
	Key Key
	// Transforms applies renames, trimming, case, defaults, drops and
	// filters.
	Transforms Transforms
	// Enrichment declares lookups, calculated fields and HTTP enrichment,
	// performed by the enrich function. A dataset with no enrichment skips
	// the Enrich state.
	Enrichment Enrichment
	// Table is the logical target table. Default: TableReference when
	// Reference is set, else TableItems.
	Table Table
	// TTL, when set, gives items an expiry attribute.
	TTL *TTL
	// RowErrors says what a bad row does to the file. Default: RejectFile.
	RowErrors RowErrors
	// Reference marks reference data: other datasets look it up (Lookup).
	Reference bool

	c *compiled
}

// compiled is what Compile derives from a declaration.
type compiled struct {
	fields   map[string]*Field // by Name
	columns  map[string]*Field // by input column
	drop     map[string]bool
	caseOf   map[string]Case
	defaults map[string]string
	pk, sk   *Template
	filters  []*vm.Program
	calcs    []*vm.Program
	// calcVars lists, per calculated field, the variables its expression
	// reads (nil: all of them).
	calcVars [][]string
	// ariths holds, per calculated field, the field as an Arith; nil
	// where its expression has another form.
	ariths   []*Arith
	suffixes []string
	// types is the type of every name an expression can see (fields,
	// enrichment results); absent for untyped HTTP results.
	types map[string]Type
	// allowance is the room items keep for what enrichment and loading
	// add (ItemAllowance).
	allowance ItemAllowance
	// lists holds the names of the list fields (Field.List).
	lists map[string]bool
}

// Kind is a file encoding.
type Kind string

// The file encodings.
const (
	// CSV is delimiter-separated values with optional quoting (RFC 4180).
	CSV Kind = "csv"
	// JSON is one JSON array of record objects.
	JSON Kind = "json"
	// JSONL is JSON Lines: one record object per line.
	JSONL Kind = "jsonl"
	// XML is an XML document with one element per record.
	XML Kind = "xml"
)

// Format describes how a file is encoded.
type Format struct {
	// Kind is the encoding. Required.
	Kind Kind
	// Delimiter separates CSV fields. Default: ','.
	Delimiter rune
	// Quote encloses CSV fields that contain the delimiter, the quote or a
	// newline; a doubled quote inside stands for one. Default: '"'.
	Quote rune
	// NoHeader says the CSV file has no header row; Columns then names the
	// columns in order. Default: the first row is the header.
	NoHeader bool
	// Columns names the CSV columns when NoHeader is set.
	Columns []string
	// RecordElement is the XML element holding one record, such as
	// "product"; its child elements (and attributes) are the values.
	// Required for XML.
	RecordElement string
	// Gzip says the file is gzip-compressed.
	Gzip bool
}

// Extension returns the file name extension of the format, such as ".csv"
// or ".jsonl.gz".
func (f Format) Extension() string {
	ext := "." + string(f.Kind)
	if f.Gzip {
		ext += ".gz"
	}
	return ext
}

// Type is a field type.
type Type string

// The field types.
const (
	// String is text; MaxLength, Pattern and Case apply.
	String Type = "string"
	// Int is a 64-bit integer written as a JSON number; Min and Max apply.
	Int Type = "int"
	// Decimal is an exact decimal number (no exponent) written as a JSON
	// number; Min, Max and Scale apply.
	Decimal Type = "decimal"
	// Bool accepts true/false, yes/no, 1/0 in any case.
	Bool Type = "bool"
	// Date is a calendar date, read with Layouts and written YYYY-MM-DD.
	Date Type = "date"
	// Timestamp is an instant, read with Layouts and written in UTC as
	// 2006-01-02T15:04:05.000Z.
	Timestamp Type = "timestamp"
	// Enum is one of Values; written as declared.
	Enum Type = "enum"
)

// Case is a letter-case normalisation.
type Case string

// The case normalisations.
const (
	// Upper converts to upper case.
	Upper Case = "upper"
	// Lower converts to lower case.
	Lower Case = "lower"
)

// Field declares one record field.
type Field struct {
	// Name is the field's name in the output record and the item
	// attribute. Lower-case snake_case; names starting with '_' and the
	// names pk and sk are reserved.
	Name string
	// Column is the input column (CSV header, JSON property, XML child
	// element, or XML attribute written "@name", such as "@id") read. In
	// an XML dataset it may be a path of such names separated by '/' to
	// read inside a child: "price/@currency" is the attribute of <price>,
	// "price/#text" its text (an element's own text even when it has
	// attributes), "tags/tag" the <tag> children of <tags>.
	// Default: Name, or the Transforms.Rename entry that targets Name.
	Column string
	// Type is the field type. Required.
	Type Type
	// Required rejects a row whose value is missing or empty (after
	// trimming and defaults).
	Required bool
	// Pattern is a regular expression (RE2) the whole string value must
	// match (strings and enums, before case normalisation).
	Pattern string
	// Min and Max bound int and decimal values, inclusive, written as
	// decimal strings such as "0" or "99.99". Empty: no bound.
	Min, Max string
	// MaxLength bounds the length of a string in characters. 0: no bound.
	MaxLength int
	// Values lists the values of an Enum.
	Values []string
	// CaseInsensitive makes an Enum match its Values without regard to
	// case; the declared spelling is written.
	CaseInsensitive bool
	// Layouts lists the accepted input layouts of a Date or Timestamp, in
	// Go reference-time notation, tried in order. Default: "2006-01-02" for
	// Date, RFC 3339 (with optional fraction) for Timestamp.
	Layouts []string
	// Scale is the number of decimal places a Decimal is written with;
	// values with more places are rejected, fewer are padded with zeros.
	// 0: written as given, normalised (no '+', no leading zeros).
	Scale int
	// List, when set, makes the field a list of values of Type (a JSON
	// array, repeated XML elements, or a delimited text), each element
	// checked by the options above; see List. Default: one value.
	List *List

	re *regexp.Regexp
	// min and max are parsed bounds.
	min, max *ratBound
	// path is the steps of an XML Column naming a nested value, such as
	// "price/@currency" (nil: the Column is one name).
	path []string
}

// Key is the item key, built from normalised fields by templates: literal
// text with {field} placeholders ("{{" and "}}" stand for braces), such as
// "ORDER#{order_id}". Every field a template names must be declared and
// Required (or have a default).
type Key struct {
	// Partition is the pk template. Required.
	Partition string
	// Sort is the sk template. Default: the literal "#".
	Sort string
}

// DefaultSortKey is the sk of a dataset whose Key has no Sort template.
const DefaultSortKey = "#"

// Transforms are the record-level normalisations, applied in this order:
// Rename (column to field), Trim, Defaults, type conversion and Case,
// Filters; Drop removes fields after the key is built.
type Transforms struct {
	// Rename maps an input column to a field name (an alternative to
	// Field.Column).
	Rename map[string]string
	// Trim removes leading and trailing white space from every text value
	// before validation.
	Trim bool
	// Case normalises the letter case of string fields, by field name.
	Case map[string]Case
	// Defaults gives the text used, by field name, when a value is missing
	// or empty.
	Defaults map[string]string
	// Drop lists fields that are validated and may be used in the key, but
	// are not written to the item.
	Drop []string
	// Filters are boolean expressions over the normalised record (field
	// names as variables); a record is kept only when all are true. A
	// filtered record is not an error: it is counted as Filtered.
	Filters []string
}

// Table is a logical target table. platform/ maps it to a physical table.
type Table string

// The logical tables.
const (
	// TableItems holds the items of ordinary datasets.
	TableItems Table = "items"
	// TableReference holds reference data used by lookups.
	TableReference Table = "reference"
)

// TTL gives items an expiry attribute (DynamoDB TTL): the epoch second of
// From's value plus After.
type TTL struct {
	// Attribute is the item attribute, such as "expires_at".
	Attribute string
	// After is added to From's value.
	After time.Duration
	// From is a Date or Timestamp field. Required.
	From string
}

// RowErrorMode is what a bad row does to its file.
type RowErrorMode string

// The row-error modes.
const (
	// RejectFile rejects the whole file at the first bad row's tally: any
	// bad row fails validation.
	RejectFile RowErrorMode = "reject-file"
	// SkipBadRows loads the good rows and reports the bad ones, as long as
	// the share of bad rows stays at or below MaxErrorRate.
	SkipBadRows RowErrorMode = "skip-bad-rows"
)

// RowErrors is a dataset's row-error policy.
type RowErrors struct {
	// Mode is the policy. Default: RejectFile.
	Mode RowErrorMode `json:"mode"`
	// MaxErrorRate is, under SkipBadRows, the highest tolerated share of
	// bad rows, between 0 and 1 (0.05 is 5%). 0 under SkipBadRows means
	// any number of bad rows is tolerated as long as one row is good.
	MaxErrorRate float64 `json:"maxErrorRate,omitempty"`
}

// Enrichment is what the enrich function adds to each record.
type Enrichment struct {
	// Lookups join fields from reference datasets.
	Lookups []Lookup
	// Calculated are fields computed by expressions, after the lookups.
	Calculated []Calculated
	// HTTP are calls to external services, after the lookups and before
	// the calculated fields.
	HTTP []HTTPEnrichment
}

// Enabled reports whether there is anything to enrich.
func (e Enrichment) Enabled() bool {
	return len(e.Lookups)+len(e.Calculated)+len(e.HTTP) > 0
}

// Lookup joins fields of a reference dataset's item: the item whose Match
// field equals this record's On field.
type Lookup struct {
	// From is the reference dataset's name. It must be declared Reference
	// and its key templates may only use Match.
	From string
	// On is this record's field holding the value looked up.
	On string
	// Match is the reference dataset's field compared. Default: On.
	Match string
	// Copy maps a new field of this record to a field of the reference
	// item, such as {"customer_name": "name"}.
	Copy map[string]string
	// MissingFlag, when set, is a bool field set to true when no
	// reference item matches (and false when one does). The record is
	// kept either way; the copied fields are then absent.
	MissingFlag string

	ref *Dataset
}

// Calculated is a field computed by an expression over the record (after
// lookups), type-checked when the dataset is compiled.
type Calculated struct {
	// Name is the new field.
	Name string
	// Type is the result type: String, Int, Decimal or Bool.
	Type Type
	// Scale is, for a Decimal, the number of places written (rounded half
	// away from zero). 0: written exactly.
	Scale int
	// Expr is the expression, such as "quantity * unit_price".
	Expr string

	// rowOnly: Expr reads the record's own fields (and row-only calculated
	// fields) only, no lookup, HTTP result or flag.
	rowOnly bool
	// provenSize: see ProvenSize (0: not proven).
	provenSize int
}

// RowOnly reports whether the field's expression reads nothing but the
// record's own fields and calculated fields that do the same: no lookup,
// HTTP result or missing flag. The validator computes such a field to check
// it (CalculateRow); the enricher computes every calculated field. Set by
// Compile.
func (c *Calculated) RowOnly() bool { return c.rowOnly }

// CalculatedInputs returns the names the expression of calculated field i
// (Enrichment.Calculated[i]) reads: fields, lookup and HTTP results, missing
// flags and earlier calculated fields, in the order first named. all is
// true when it may read any name ($env), or d is not compiled. Calculate
// reads nothing else of the record, so a caller may pass it a record of
// just these names (and the calculated fields' own).
func (d *Dataset) CalculatedInputs(i int) (names []string, all bool) {
	if d.c == nil || i < 0 || i >= len(d.c.calcVars) || d.c.calcVars[i] == nil {
		return nil, true
	}
	return d.c.calcVars[i], false
}

// HTTPEnrichment calls an external service per record and copies fields
// from its JSON response. See docs/datasets.md "HTTP enrichment" for how a
// call is made, retried, limited and authenticated, and docs/deploy.md for
// the secret and the network path a deployed stack gives it.
type HTTPEnrichment struct {
	// Name identifies the enrichment in errors and metrics: lower-case
	// letters, digits, '-' and '_'.
	Name string
	// URL is a template with {field} placeholders (values are escaped
	// with url.PathEscape), such as "https://geo.example/v1/{postcode}".
	// It must be https; http is accepted for 127.0.0.1 only, and the
	// enricher calls such a URL only where it is told to (local runs and
	// tests: enrich.Config.AllowLoopbackHTTP), never deployed.
	URL string
	// Method is GET or POST. Default: GET.
	Method string
	// Body is, for POST, a JSON template (ParseBodyTemplate): a string
	// that is exactly "{field}" becomes the field's JSON value, a
	// placeholder in longer text its text. Sent with Content-Type
	// application/json. Default: none (GET must have none).
	Body string
	// Headers are sent with every call, such as {"Accept-Language": "en"}.
	// Authorization (and the Auth header) must not be set here: a
	// credential comes from Auth's secret, never from the declaration.
	// Host, Content-Length, Content-Type, Connection and Transfer-Encoding
	// are set by the client and refused here.
	Headers map[string]string
	// Auth, when set, sends a secret with every call.
	Auth *HTTPAuth
	// Timeout bounds one attempt. Default: 2s.
	Timeout time.Duration
	// Retries is the number of further attempts after a failed one
	// (network error, timeout, 429 or 5xx), with jittered exponential
	// backoff, waiting at least what a Retry-After header asks. Default: 0.
	Retries int
	// MaxRetryWait caps the wait a Retry-After header may ask for: a
	// longer one ends the call's attempts. Default: 30s.
	MaxRetryWait time.Duration
	// Concurrency caps the calls in flight per function instance.
	// Default: 4.
	Concurrency int
	// RateLimit caps the calls per second made for one file (retries
	// included) by one function instance, with bursts of up to Burst.
	// Default: 0, no limit.
	RateLimit float64
	// Burst is the most calls RateLimit lets through at once. Default:
	// Concurrency.
	Burst int
	// MaxFailures is the circuit breaker: after this many calls in a
	// row have failed (each after its retries) the enricher stops calling
	// and fails the chunk with fnerr.EnrichmentFailed naming the dataset,
	// the enrichment, its fields and URL, Required or not, rather than
	// flag every record of a file as missing because the service is down.
	// A 404 or a response that is not an object is an answer, not a
	// failure. Default: 5; negative: no circuit.
	MaxFailures int
	// Copy maps a new field of this record to a top-level property of the
	// response object.
	Copy map[string]string
	// Required fails the chunk (fnerr.EnrichmentFailed) when the call
	// fails after its retries; otherwise MissingFlag is set.
	Required bool
	// MissingFlag, when set, is a bool field set to true when the call
	// failed or returned no object.
	MissingFlag string

	url  *Template
	body *BodyTemplate
}

// HTTPAuth sends a secret with every call of an HTTP enrichment. The
// declaration names the secret; where its value comes from is the
// deployment's business: deployed, the stack config maps the name to a
// Secrets Manager secret the enricher alone may read (docs/deploy.md);
// locally, an environment variable or a secrets file (docs/local.md).
type HTTPAuth struct {
	// Secret is the secret's name: lower-case letters, digits and '-',
	// such as "geo-api".
	Secret string
	// Scheme is how the secret is sent: AuthBearer (the default) or
	// AuthHeader.
	Scheme AuthScheme
	// Header is, for AuthHeader, the header carrying the secret as is,
	// such as "X-Api-Key".
	Header string
}

// AuthScheme is how HTTPAuth sends its secret.
type AuthScheme string

// The auth schemes.
const (
	// AuthBearer sends "Authorization: Bearer <secret>".
	AuthBearer AuthScheme = "bearer"
	// AuthHeader sends the secret as the value of HTTPAuth.Header.
	AuthHeader AuthScheme = "header"
)

// Defaults of HTTPEnrichment.
const (
	DefaultHTTPMethod       = "GET"
	DefaultHTTPTimeout      = 2 * time.Second
	DefaultHTTPConcurrency  = 4
	DefaultHTTPMaxRetryWait = 30 * time.Second
	DefaultHTTPMaxFailures  = 5
)
