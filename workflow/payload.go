package workflow

import (
	"encoding/json"

	"github.com/sluicehq/sluice/internal/jsonenc"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// Params is a JSON object template: Parameters, Arguments, ItemSelector,
// Result or a field of them. In JSONPath states a key ending in ".$" takes
// its value from a path or an intrinsic function, as in ASL.
type Params = map[string]any

// Null is the path value that encodes as JSON null: as ResultPath it
// discards the state's result (the input passes through unchanged), as
// InputPath or OutputPath it gives the state an empty object.
const Null = "null"

// Expr wraps a JSONata expression in its "{% %}" delimiters.
func Expr(expr string) string { return "{% " + expr + " %}" }

// toPath converts a props path field: "" is absent, Null is JSON null.
func toPath(p string) *asl.Path {
	switch p {
	case "":
		return nil
	case Null:
		return asl.NullPath()
	}
	return asl.NewPath(p)
}

// intOrNil converts an optional positive integer (0 = absent).
func intOrNil(v int) *asl.IntOrExpr {
	if v == 0 {
		return nil
	}
	return asl.Int(int64(v))
}

// encode marshals a payload without HTML escaping; nil gives nil. A
// json.RawMessage is used as is (after validation).
func (c *compiler) encode(path, state string, v any) json.RawMessage {
	if v == nil {
		return nil
	}
	if r, ok := v.(json.RawMessage); ok {
		if !json.Valid(r) {
			c.add(validate.Issue{Path: path, State: state, Code: CodeBadJSON, Msg: "invalid JSON"})
			return nil
		}
		return r
	}
	b, err := jsonenc.Marshal(v)
	if err != nil {
		c.add(validate.Issue{Path: path, State: state, Code: CodeBadJSON, Msg: err.Error()})
		return nil
	}
	return json.RawMessage(b)
}

// assign encodes an Assign map (nil or empty gives nil).
func (c *compiler) assign(path, state string, m map[string]any) json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	return c.encode(path+".Assign", state, m)
}

// common builds the Common fields.
func common(comment string, ql asl.QueryLanguage) asl.Common {
	return asl.Common{Comment: comment, QueryLanguage: ql}
}
