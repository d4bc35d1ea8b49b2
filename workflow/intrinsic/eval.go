package intrinsic

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/hashalg"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// Env resolves the paths in a call's arguments. The engine implements it:
// "$..." against the state input, "$$..." against the context object and
// "$name..." against the variables. An error from Resolve is returned by
// Eval unchanged, so the engine keeps its own classification (for example
// a *jsonpath.NotFoundError reported as States.Runtime).
type Env interface {
	Resolve(p *jsonpath.Path) (any, error)
}

// Randomness is optionally implemented by an Env to make States.MathRandom
// (unseeded) and States.UUID deterministic, for example in tests. Without
// it they use a random source of their own.
type Randomness interface {
	// Rand returns the source to draw from.
	Rand() *mrand.Rand
}

// Eval evaluates the call. Path arguments are resolved through ctx; a
// failing function returns an *EvalError.
func (c *Call) Eval(ctx Env) (any, error) {
	args := make([]any, len(c.Args))
	for i := range c.Args {
		v, err := evalArg(ctx, &c.Args[i])
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return apply(ctx, c, args)
}

func evalArg(ctx Env, a *Arg) (any, error) {
	switch a.Kind {
	case ArgString:
		return a.Str, nil
	case ArgNumber:
		return a.Num, nil
	case ArgBool:
		return a.Bool, nil
	case ArgNull:
		return nil, nil
	case ArgPath:
		if ctx == nil {
			return nil, fmt.Errorf("intrinsic: no environment to resolve %s", a.Path)
		}
		return ctx.Resolve(a.Path)
	case ArgCall:
		return a.Call.Eval(ctx)
	}
	return nil, fmt.Errorf("intrinsic: unknown argument kind %v", a.Kind)
}

// typeName names a value's JSON type for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// check verifies args against the function's parameter types.
func check(fn Func, args []any) error {
	for i, v := range args {
		want := fn.Param(i)
		ok := true
		switch want {
		case String:
			_, ok = v.(string)
		case Number:
			_, ok = v.(json.Number)
		case Integer:
			n, isNum := v.(json.Number)
			ok = isNum && isInteger(n)
		case Boolean:
			_, ok = v.(bool)
		case Array:
			_, ok = v.([]any)
		case Object:
			_, ok = v.(map[string]any)
		}
		if !ok {
			return failf("The value of argument %d of %s must be of type %s, but was of type %s: %s",
				i+1, fn.Name, want, typeName(v), CompactJSON(v))
		}
	}
	return nil
}

// toInt converts an integer-valued JSON number to int64.
func toInt(fn string, n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, ok := new(big.Float).SetString(string(n))
	if !ok || !f.IsInt() {
		return 0, failf("%s: %s is not an integer", fn, n)
	}
	i, acc := f.Int64()
	if acc != big.Exact {
		return 0, failf("%s: %s is out of range", fn, n)
	}
	return i, nil
}

// round rounds half up, like Java's Math.round.
func round(fn string, n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.Abs(f) >= 1<<62 {
		return 0, failf("%s: %s is out of range", fn, n)
	}
	return int64(math.Floor(f + 0.5)), nil
}

func num(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

func apply(ctx Env, c *Call, args []any) (any, error) {
	fn := Functions[c.Name]
	if c.Name != "States.Format" && c.Name != "States.Hash" {
		if err := check(fn, args); err != nil {
			return nil, err
		}
	}
	switch c.Name {
	case "States.Format":
		return format(c, args)
	case "States.StringToJson":
		return stringToJSON(args[0].(string))
	case "States.JsonToString":
		return CompactJSON(args[0]), nil
	case "States.Array":
		out := make([]any, len(args))
		copy(out, args)
		return out, nil
	case "States.ArrayPartition":
		return arrayPartition(c.Name, args)
	case "States.ArrayContains":
		for _, e := range args[0].([]any) {
			if javaEqual(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		return arrayRange(c.Name, args)
	case "States.ArrayGetItem":
		return arrayGetItem(c.Name, args)
	case "States.ArrayLength":
		return num(int64(len(args[0].([]any)))), nil
	case "States.ArrayUnique":
		return arrayUnique(args)
	case "States.Base64Encode":
		return base64Encode(args)
	case "States.Base64Decode":
		return base64Decode(args)
	case "States.Hash":
		return hashOf(args)
	case "States.JsonMerge":
		return jsonMerge(args)
	case "States.MathRandom":
		return mathRandom(ctx, args)
	case "States.MathAdd":
		return mathAdd(c.Name, args)
	case "States.StringSplit":
		return stringSplit(args)
	case "States.UUID":
		return uuid(ctx)
	}
	return nil, failf("unknown intrinsic function %s", c.Name)
}

// arrayPartition splits an array into chunks of a given size (the last may be shorter).
func arrayPartition(name string, args []any) (any, error) {
	arr := args[0].([]any)
	size, err := toInt(name, args[1].(json.Number))
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, failf("States.ArrayPartition: the chunk size must be a positive integer, but was %d", size)
	}
	out := []any{}
	n := len(arr)
	sz := int(min(size, int64(max(n, 1))))
	for i := 0; i < n; i += sz {
		end := min(i+sz, n)
		chunk := make([]any, end-i)
		copy(chunk, arr[i:end])
		out = append(out, chunk)
	}
	return out, nil
}

// arrayRange is the array of numbers from start to end (included) by step.
func arrayRange(name string, args []any) (any, error) {
	var v [3]int64
	for i := range v {
		n, err := toInt(name, args[i].(json.Number))
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	start, end, step := v[0], v[1], v[2]
	if step == 0 {
		return nil, failf("States.ArrayRange: the step must not be zero")
	}
	// Count in uint64: end-start may not fit in an int64.
	var count uint64
	switch {
	case step > 0 && start <= end:
		count = uint64(end-start)/uint64(step) + 1
	case step < 0 && start >= end:
		count = uint64(start-end)/(uint64(-(step+1))+1) + 1
	}
	if count > MaxArrayRange {
		return nil, failf("States.ArrayRange: the array would have %d elements; the limit is %d", count, MaxArrayRange)
	}
	out := make([]any, 0, count)
	for i := int64(0); i < int64(count); i++ {
		out = append(out, num(start+i*step))
	}
	return out, nil
}

// arrayGetItem is the element at an index.
func arrayGetItem(name string, args []any) (any, error) {
	arr := args[0].([]any)
	idx, err := toInt(name, args[1].(json.Number))
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(arr)) {
		return nil, failf("States.ArrayGetItem: index %d is out of bounds for an array of length %d", idx, len(arr))
	}
	return arr[idx], nil
}

// arrayUnique drops the repeated elements of an array, keeping the first of each.
func arrayUnique(args []any) (any, error) {
	out := []any{}
	for _, e := range args[0].([]any) {
		dup := false
		for _, o := range out {
			if javaEqual(e, o) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out, nil
}

// base64Encode encodes a string's UTF-8 bytes as Base64.
func base64Encode(args []any) (any, error) {
	s := args[0].(string)
	if n := utf8.RuneCountInString(s); n > MaxStringInput {
		return nil, failf("States.Base64Encode: the input is %d characters long; the limit is %d", n, MaxStringInput)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// base64Decode decodes Base64 (padded or not) to a string.
func base64Decode(args []any) (any, error) {
	s := args[0].(string)
	if n := utf8.RuneCountInString(s); n > MaxStringInput {
		return nil, failf("States.Base64Decode: the input is %d characters long; the limit is %d", n, MaxStringInput)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, failf("States.Base64Decode: the input is not valid Base64: %s", s)
	}
	return string(raw), nil
}

// jsonMerge merges two objects shallowly: the second one's keys win.
func jsonMerge(args []any) (any, error) {
	if args[2].(bool) {
		return nil, failf("States.JsonMerge: deep merging is not supported; the third argument must be false")
	}
	a, b := args[0].(map[string]any), args[1].(map[string]any)
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

// mathAdd adds two integers (numbers are rounded), failing on overflow.
func mathAdd(name string, args []any) (any, error) {
	x, err := round(name, args[0].(json.Number))
	if err != nil {
		return nil, err
	}
	y, err := round(name, args[1].(json.Number))
	if err != nil {
		return nil, err
	}
	sum := x + y
	if (x > 0 && y > 0 && sum < 0) || (x < 0 && y < 0 && sum >= 0) {
		return nil, failf("States.MathAdd: the sum of %d and %d is out of range", x, y)
	}
	return num(sum), nil
}

// stringSplit splits a string at any of the delimiter characters, dropping empty fields.
func stringSplit(args []any) (any, error) {
	s, delims := args[0].(string), args[1].(string)
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

// format implements States.Format: each {} in the template takes the next
// argument; \{ \} \' and \\ are escapes.
func format(c *Call, args []any) (any, error) {
	var tmpl string
	switch t := args[0].(type) {
	case string:
		if c.Args[0].Kind == ArgString {
			tmpl = c.Args[0].Raw
		} else {
			tmpl = t
		}
	default:
		return nil, failf("The value of argument 1 of States.Format must be of type string, but was of type %s: %s", typeName(t), CompactJSON(t))
	}
	rest := args[1:]
	var b strings.Builder
	used := 0
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		switch {
		case ch == '\\' && i+1 < len(tmpl):
			e := tmpl[i+1]
			switch e {
			case '{', '}', '\'', '\\':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			i++
		case ch == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			if used >= len(rest) {
				return nil, failf("States.Format: the template has more placeholders than the %d argument(s) given", len(rest))
			}
			b.WriteString(Stringify(rest[used]))
			if b.Len() > MaxFormatResult {
				return nil, failf("States.Format: the result would be longer than %d bytes, the largest payload of a state", MaxFormatResult)
			}
			used++
			i++
		default:
			b.WriteByte(ch)
		}
	}
	if used != len(rest) {
		return nil, failf("States.Format: the template has %d placeholder(s) but %d argument(s) were given", used, len(rest))
	}
	return b.String(), nil
}

// stringToJSON parses the first JSON value in s; blank input gives null,
// as on AWS.
func stringToJSON(s string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, failf("States.StringToJson: the input is not valid JSON: %s", s)
	}
	// Like Jackson's readTree (which Step Functions' behaviour on blank
	// input points to), whatever follows the first value is not read.
	return normalize(v), nil
}

// normalize rewrites numbers as Jackson reads them: "-0" becomes "0".
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			return json.Number(JavaNumber(v))
		}
		return v
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = normalize(v[k])
		}
		return v
	}
	return v
}

func hashOf(args []any) (any, error) {
	alg, ok := args[1].(string)
	if !ok {
		return nil, failf("The value of argument 2 of States.Hash must be of type string, but was of type %s: %s", typeName(args[1]), CompactJSON(args[1]))
	}
	var data string
	switch d := args[0].(type) {
	case string:
		data = d
	case nil:
		return nil, failf("States.Hash: the data to hash must not be null")
	default:
		data = CompactJSON(d)
	}
	if n := utf8.RuneCountInString(data); n > MaxStringInput {
		return nil, failf("States.Hash: the input is %d characters long; the limit is %d", n, MaxStringInput)
	}
	h, ok := hashalg.New(alg)
	if !ok {
		return nil, failf("States.Hash: the algorithm %q is not supported; use one of %s", alg, strings.Join(HashAlgorithms, ", "))
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mathRandom returns an integer in [start, end).
func mathRandom(ctx Env, args []any) (any, error) {
	start, err := round("States.MathRandom", args[0].(json.Number))
	if err != nil {
		return nil, err
	}
	end, err := round("States.MathRandom", args[1].(json.Number))
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, failf("States.MathRandom: the end %d is less than the start %d", end, start)
	}
	if end == start {
		return num(start), nil
	}
	var r *mrand.Rand
	if len(args) == 3 {
		seed, err := toInt("States.MathRandom", args[2].(json.Number))
		if err != nil {
			return nil, err
		}
		r = mrand.New(mrand.NewPCG(uint64(seed), 0))
	} else if rs, ok := ctx.(Randomness); ok {
		r = rs.Rand()
	}
	span := uint64(end - start)
	var off uint64
	if r != nil {
		off = r.Uint64N(span)
	} else {
		off = mrand.Uint64N(span)
	}
	return num(start + int64(off)), nil
}

// uuid returns a random (version 4) UUID.
func uuid(ctx Env) (any, error) {
	var b [16]byte
	if rs, ok := ctx.(Randomness); ok {
		r := rs.Rand()
		for i := range b {
			b[i] = byte(r.Uint32())
		}
	} else if _, err := rand.Read(b[:]); err != nil {
		return nil, failf("States.UUID: %v", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
