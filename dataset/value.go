package dataset

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field error codes: the stable Code of a FieldError. Tests and reports
// match on them.
const (
	// CodeRequired: a required value is missing or empty.
	CodeRequired = "required"
	// CodeType: the value cannot be read as the field's type.
	CodeType = "type"
	// CodeNotScalar: a JSON object or array where a value was expected.
	CodeNotScalar = "not_scalar"
	// CodePattern: the value does not match Pattern.
	CodePattern = "pattern"
	// CodeMin and CodeMax: the value is out of bounds.
	CodeMin = "min"
	// CodeMax: the value is above Max.
	CodeMax = "max"
	// CodeMaxLength: the string is longer than MaxLength.
	CodeMaxLength = "max_length"
	// CodeEnum: the value is not one of the enum's Values.
	CodeEnum = "enum"
	// CodeScale: a decimal has more places than Scale.
	CodeScale = "scale"
	// CodeKey: the item key could not be built.
	CodeKey = "key"
	// CodeFilter: a filter expression failed to evaluate.
	CodeFilter = "filter"
	// CodeControl: the value holds a control character (U+0000 to
	// U+001F but tab, line feed and carriage return, or U+007F): a NUL in
	// a name is damage, not data.
	CodeControl = "control_character"
	// CodeNumberLimit: the number is beyond what a DynamoDB number holds
	// (38 significant digits, magnitude from 1E-130 to below 1E+126).
	CodeNumberLimit = "number_limit"
)

// FieldError is one problem with one value of one record.
type FieldError struct {
	// Field is the field's name.
	Field string `json:"field"`
	// Column is the input column the value was read from.
	Column string `json:"column,omitempty"`
	// Value is an excerpt of the offending value (at most 64 characters).
	Value string `json:"value,omitempty"`
	// Code is a stable identifier such as "enum" (the Code* constants).
	Code string `json:"code"`
	// Reason is a human-readable explanation.
	Reason string `json:"reason"`
}

func (e FieldError) Error() string {
	return fmt.Sprintf("field %s: %s", e.Field, e.Reason)
}

// Excerpt returns s cut to at most n characters, marking a cut with "…",
// and never splitting a UTF-8 sequence.
func Excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n {
			break
		}
		b.WriteRune(r)
		i++
	}
	return b.String() + "…"
}

// Normalize turns one raw record (input column to value: strings from CSV
// and XML, decoded JSON values with json.Number from JSON) into the
// normalised record of the declared fields: renamed, trimmed, defaulted,
// converted and case-normalised; a list field (Field.List) becomes a []any
// of normalised elements, its problems naming the element ("tags[1]").
// Undeclared columns are ignored. It returns
// every field error of the record, in field order; the record holds the
// fields that converted. d must be compiled.
func (d *Dataset) Normalize(raw map[string]any) (map[string]any, []FieldError) {
	out := make(map[string]any, len(d.Fields)+4)
	var errs []FieldError
	for i := range d.Fields {
		f := &d.Fields[i]
		col := f.Column
		v, present := raw[col]
		if f.path != nil {
			v, present = xmlPath(raw, f.path)
		}
		if s, ok := v.(string); ok && d.Transforms.Trim {
			v = strings.TrimSpace(s)
		}
		if !present || v == nil || v == "" {
			if def, ok := d.c.defaults[f.Name]; ok {
				v, present = def, true
			} else {
				if f.Required {
					errs = append(errs, FieldError{Field: f.Name, Column: col, Code: CodeRequired, Reason: "value is required"})
				}
				continue
			}
		}
		if f.List != nil {
			l, ferrs, ok := d.normalizeList(f, v, d.c.caseOf[f.Name])
			for _, fe := range ferrs {
				fe.Column = col
				errs = append(errs, fe)
			}
			switch {
			case ok:
				out[f.Name] = l
			case len(ferrs) == 0 && f.Required:
				errs = append(errs, FieldError{Field: f.Name, Column: col, Code: CodeRequired, Reason: "at least one element is required"})
			}
			continue
		}
		nv, fe := f.convert(v, d.c.caseOf[f.Name])
		if fe != nil {
			fe.Column = col
			errs = append(errs, *fe)
			continue
		}
		out[f.Name] = nv
	}
	return out, errs
}

func fieldErr(f *Field, v string, code, format string, args ...any) *FieldError {
	return &FieldError{Field: f.Name, Value: Excerpt(v, 64), Code: code, Reason: fmt.Sprintf(format, args...)}
}

// convert checks and normalises one present, non-empty value.
func (f *Field) convert(v any, c Case) (any, *FieldError) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return nil, fieldErr(f, string(b), CodeNotScalar, "expected a %s value, found a JSON %s", f.Type, map[bool]string{true: "object", false: "array"}[isObject(x)])
	default:
		return nil, fieldErr(f, fmt.Sprint(x), CodeType, "unsupported value of type %T", x)
	}
	if !utf8.ValidString(s) {
		return nil, fieldErr(f, strings.ToValidUTF8(s, "\uFFFD"), CodeType, "value is not valid UTF-8")
	}
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		return nil, fieldErr(f, strconv.QuoteToASCII(s), CodeControl, "holds the control character %U at byte %d", rune(s[i]), i+1)
	}
	switch f.Type {
	case String:
		if f.re != nil && !f.re.MatchString(s) {
			return nil, fieldErr(f, s, CodePattern, "does not match pattern %s", f.Pattern)
		}
		switch c {
		case Upper:
			s = strings.ToUpper(s)
		case Lower:
			s = strings.ToLower(s)
		}
		if f.MaxLength > 0 && utf8.RuneCountInString(s) > f.MaxLength {
			return nil, fieldErr(f, s, CodeMaxLength, "longer than %d characters", f.MaxLength)
		}
		return s, nil
	case Enum:
		if f.re != nil && !f.re.MatchString(s) {
			return nil, fieldErr(f, s, CodePattern, "does not match pattern %s", f.Pattern)
		}
		for _, e := range f.Values {
			if s == e || f.CaseInsensitive && strings.EqualFold(s, e) {
				return e, nil
			}
		}
		return nil, fieldErr(f, s, CodeEnum, "not one of %s", strings.Join(f.Values, ", "))
	case Int:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fieldErr(f, s, CodeType, "not an integer")
		}
		canon := strconv.FormatInt(i, 10)
		if fe := f.checkBounds(canon, s); fe != nil {
			return nil, fe
		}
		return json.Number(canon), nil
	case Decimal:
		if _, err := canonicalDecimal(s, 0); err != nil {
			return nil, fieldErr(f, s, CodeType, "not a decimal number")
		}
		canon, err := canonicalDecimal(s, f.Scale)
		if err != nil {
			return nil, fieldErr(f, s, CodeScale, "more than %d decimal places", f.Scale)
		}
		if fe := f.checkBounds(canon, s); fe != nil {
			return nil, fe
		}
		if why := NumberLimit(canon); why != "" {
			return nil, fieldErr(f, s, CodeNumberLimit, "%s", why)
		}
		return json.Number(canon), nil
	case Bool:
		switch strings.ToLower(s) {
		case "true", "yes", "1", "y", "t":
			return true, nil
		case "false", "no", "0", "n", "f":
			return false, nil
		}
		return nil, fieldErr(f, s, CodeType, "not a boolean (true/false, yes/no, 1/0)")
	case Date:
		for _, l := range f.layouts() {
			if !sameShape(l, s) {
				continue
			}
			if t, err := time.Parse(l, s); err == nil {
				return t.Format(DateLayout), nil
			}
		}
		return nil, fieldErr(f, s, CodeType, "not a date in layout %s", strings.Join(f.layouts(), " or "))
	case Timestamp:
		for _, l := range f.layouts() {
			if !sameShape(l, s) {
				continue
			}
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC().Format(TimestampLayout), nil
			}
		}
		return nil, fieldErr(f, s, CodeType, "not a timestamp in layout %s", strings.Join(f.layouts(), " or "))
	}
	return nil, fieldErr(f, s, CodeType, "unknown type %q", f.Type)
}

// sameShape is a cheap pre-check before time.Parse (whose failures
// allocate): when layout and value have the same length, the separators
// '-', '/' and ':' of the layout must be at the same places in the value.
// It never rejects a value time.Parse would accept with a layout of fixed
// width, and says yes when the lengths differ.
func sameShape(layout, value string) bool {
	if len(layout) != len(value) {
		return true
	}
	for i := 0; i < len(layout); i++ {
		switch layout[i] {
		case '-', '/', ':':
			if value[i] != layout[i] {
				return false
			}
		}
	}
	return true
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

// isControl reports the control characters a value must not hold: C0
// controls other than tab, line feed and carriage return (which CSV quoted
// fields and JSON strings carry legitimately), and DEL.
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7F
}

// DynamoDB's number limits: 38 significant digits, a magnitude from
// 1E-130 up to (not including) 1E+126.
const (
	maxNumberDigits   = 38
	maxNumberExponent = 125
	minNumberExponent = -130
)

// NumberLimit says why a decimal in canonical form (canonicalDecimal, as
// Normalize writes it) cannot be stored as a DynamoDB number, or returns
// "" when it can. Normalize refuses such a decimal field (CodeNumberLimit);
// Calculate refuses such a calculated value.
func NumberLimit(canon string) string {
	digits := strings.TrimPrefix(canon, "-")
	intPart, frac, _ := strings.Cut(digits, ".")
	all := strings.TrimLeft(intPart+frac, "0")
	if all == "" {
		return "" // zero
	}
	// The exponent of the first significant digit: 10^exp <= |x| < 10^(exp+1).
	exp := len(strings.TrimLeft(intPart, "0")) - 1
	if strings.Trim(intPart, "0") == "" {
		exp = -(len(frac) - len(strings.TrimLeft(frac, "0"))) - 1
	}
	sig := len(strings.TrimRight(all, "0"))
	switch {
	case sig > maxNumberDigits:
		return fmt.Sprintf("%d significant digits: a DynamoDB number holds at most %d", sig, maxNumberDigits)
	case exp > maxNumberExponent:
		return fmt.Sprintf("magnitude 1E+%d: a DynamoDB number is below 1E+%d", exp, maxNumberExponent+1)
	case exp < minNumberExponent:
		return fmt.Sprintf("magnitude 1E%d: a DynamoDB number is at least 1E%d", exp, minNumberExponent)
	}
	return ""
}

// The layouts normalised values are written in.
const (
	// DateLayout is how Date values are written.
	DateLayout = "2006-01-02"
	// TimestampLayout is how Timestamp values are written (always UTC).
	TimestampLayout = "2006-01-02T15:04:05.000Z"
)

func (f *Field) layouts() []string {
	if len(f.Layouts) > 0 {
		return f.Layouts
	}
	if f.Type == Timestamp {
		return []string{time.RFC3339Nano}
	}
	return []string{DateLayout}
}

// checkBounds compares a value in canonical form with Min and Max.
func (f *Field) checkBounds(canon, s string) *FieldError {
	if f.min != nil && cmpCanonical(canon, f.min.canon) < 0 {
		return fieldErr(f, s, CodeMin, "less than the minimum %s", f.min.src)
	}
	if f.max != nil && cmpCanonical(canon, f.max.canon) > 0 {
		return fieldErr(f, s, CodeMax, "greater than the maximum %s", f.max.src)
	}
	return nil
}

// Text returns a normalised value as text: the form used in key templates,
// URL templates and lookups.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
