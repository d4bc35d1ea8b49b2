package dataset

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// MaxItemBytes is the largest item DynamoDB stores: 400 KB (409,600
// bytes), the UTF-8 bytes of every attribute name plus the size of its
// value, counted as ItemSize counts them.
const MaxItemBytes = 400 << 10

// Largest values of the attributes the enricher and the loader add to every
// item after validation (see ItemAllowance).
const (
	// MaxObjectKeyBytes is the longest S3 object key, in UTF-8 bytes: the
	// value of _source_key.
	MaxObjectKeyBytes = 1024
	// MaxVersionIDBytes is the longest S3 version id (S3: "no more than
	// 1,024 bytes"): the value of _source_version and the tail of
	// _source_order. The ETag that takes its place in an unversioned
	// bucket is shorter (32 hex digits, a part count, quotes).
	MaxVersionIDBytes = 1024
	// MaxExecutionBytes is the longest Step Functions execution ARN (the
	// API's Arn type: 256 characters, all ASCII), the value of _execution.
	// The Lambda request id written in its stead is 36.
	MaxExecutionBytes = 256
	// SourceOrderLayout is the time part of _source_order, which the
	// loader writes as this layout, "/", and the version id (or ETag).
	SourceOrderLayout = "2006-01-02T15:04:05.000000000Z"
)

// maxIntText is the longest text of an int: "-9223372036854775808".
const maxIntText = 20

// maxNumberText is the longest text of a decimal DynamoDB holds, written
// without exponent: a sign, "0.", 129 zeros and 38 significant digits
// (1E-130 and below 1E+126 at 38 digits are shorter). A Scale pads the
// places: a sign, 126 integer digits, a point and scale places.
func maxNumberText(scale int) int {
	return max(1+2+(-minNumberExponent-1)+maxNumberDigits, 1+maxNumberExponent+1+1+scale)
}

// AttrSize is the size DynamoDB counts for one attribute value of a staged
// or enriched record: a string its UTF-8 bytes; a bool or null 1; a list or
// map 3 plus, per element, 1 and its size (and a map key's bytes). A
// number (json.Number or a Go integer) counts as its text plus 1. DynamoDB
// counts 1 byte per two significant digits plus 1, so this is an upper
// bound, and it is what the loader counts when it refuses an item
// (functions/load): the two agree on which items are too large.
func AttrSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case json.Number:
		return len(x) + 1
	case int64:
		return len(strconv.FormatInt(x, 10)) + 1
	case int:
		return len(strconv.Itoa(x)) + 1
	case float64:
		return len(strconv.FormatFloat(x, 'f', -1, 64)) + 1
	case bool, nil:
		return 1
	case []any:
		n := 3
		for _, e := range x {
			n += 1 + AttrSize(e)
		}
		return n
	case map[string]any:
		n := 3
		for k, e := range x {
			n += 1 + len(k) + AttrSize(e)
		}
		return n
	}
	return len(Text(v))
}

// ItemSize returns the size of a record as a DynamoDB item (each attribute's
// name plus AttrSize of its value) and the attribute that takes the most
// of it (the first in name order on a tie).
func ItemSize(rec map[string]any) (size int, largest string) {
	most := -1
	for k, v := range rec {
		n := len(k) + AttrSize(v)
		size += n
		if n > most || n == most && k < largest {
			most, largest = n, k
		}
	}
	return size, largest
}

// AllowancePart is one attribute added to the items of a dataset after
// validation and the most bytes it takes (name and value).
type AllowancePart struct {
	// Attr is the attribute's name.
	Attr string
	// Bytes is the most it adds to an item.
	Bytes int
	// By names who adds it: "enrich", "load" or "enrich or load".
	By string
}

// ItemAllowance is the room an item keeps for what the pipeline adds after
// validation: the validator refuses a row whose item, plus Bytes, would
// exceed MaxItemBytes. See docs/datasets.md, "Item size".
type ItemAllowance struct {
	// Bytes is the sum of Parts.
	Bytes int
	// Parts lists every bounded attribute: the metadata of every item, then
	// the dataset's lookup, HTTP and calculated fields that validation does
	// not compute.
	Parts []AllowancePart
	// Unbounded names the added attributes whose size has no bound (a
	// copied reference string without MaxLength, an HTTP result, a string
	// calculated from one): they are not in Bytes, and only the loader can
	// refuse an item they make too large.
	Unbounded []string
}

// ItemAllowance returns the allowance of a compiled dataset (computed by
// Compile; through NewSet, lookups count their reference fields' types).
func (d *Dataset) ItemAllowance() ItemAllowance {
	if d.c == nil {
		return ItemAllowance{}
	}
	return d.c.allowance
}

// itemAllowance builds the allowance of d: the metadata written on every
// item (docs/functions.md), then what enrichment adds.
func (d *Dataset) itemAllowance() ItemAllowance {
	var a ItemAllowance
	add := func(attr, by string, value int) {
		a.Parts = append(a.Parts, AllowancePart{Attr: attr, Bytes: len(attr) + value, By: by})
		a.Bytes += len(attr) + value
	}
	unbounded := func(attr string) { a.Unbounded = append(a.Unbounded, attr) }
	add(AttrSourceKey, "enrich or load", MaxObjectKeyBytes)
	add(AttrSourceVersion, "enrich or load", MaxVersionIDBytes)
	add(AttrSourceOrder, "load", len(SourceOrderLayout)+1+MaxVersionIDBytes)
	add(AttrIngestedAt, "enrich or load", len(TimestampLayout))
	add(AttrExecution, "enrich or load", MaxExecutionBytes)
	for _, l := range d.Enrichment.Lookups {
		for _, to := range sortedKeys(l.Copy) {
			var f *Field
			if l.ref != nil && l.ref.c != nil {
				f = l.ref.c.fields[l.Copy[to]]
			}
			if n, ok := f.maxValueBytes(); ok {
				add(to, "enrich", n)
			} else {
				unbounded(to)
			}
		}
		if l.MissingFlag != "" {
			add(l.MissingFlag, "enrich", 1)
		}
	}
	for _, h := range d.Enrichment.HTTP {
		for _, to := range sortedKeys(h.Copy) {
			unbounded(to)
		}
		if h.MissingFlag != "" {
			add(h.MissingFlag, "enrich", 1)
		}
	}
	for _, cf := range d.Enrichment.Calculated {
		if cf.rowOnly {
			continue // computed by the validator, counted exactly
		}
		switch cf.Type {
		case Int:
			add(cf.Name, "enrich", maxIntText+1)
		case Decimal:
			add(cf.Name, "enrich", maxNumberText(cf.Scale)+1)
		case Bool:
			add(cf.Name, "enrich", 1)
		default:
			unbounded(cf.Name)
		}
	}
	return a
}

// maxValueBytes is the largest AttrSize of a value of the field, when it
// has one: a string bounded by MaxLength (4 UTF-8 bytes a character), the
// longest enum value, the fixed width of dates and timestamps, the longest
// number text. It bounds a field copied from a reference item, which the
// enricher reads from DynamoDB: a number comes back without the trailing
// zeros a decimal of Scale 0 may have been written with.
func (f *Field) maxValueBytes() (int, bool) {
	if f == nil {
		return 0, false
	}
	switch f.Type {
	case String:
		return f.MaxLength * utf8.UTFMax, f.MaxLength > 0
	case Enum:
		n := 0
		for _, v := range f.Values {
			n = max(n, len(v))
		}
		return n, true
	case Int:
		return maxIntText + 1, true
	case Decimal:
		return maxNumberText(f.Scale) + 1, true
	case Bool:
		return 1, true
	case Date:
		return len(DateLayout), true
	case Timestamp:
		return len(TimestampLayout), true
	}
	return 0, false
}
