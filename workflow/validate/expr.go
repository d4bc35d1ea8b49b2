package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/jsonenc"
	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/asl"
)

// notInLang reports a field of the other query language.
func (c *checker) notInLang(si *stateInfo, p, field string) {
	other := asl.JSONPath
	if si.lang != asl.JSONata {
		other = asl.JSONata
	}
	lang := si.lang
	if lang == "" {
		lang = asl.JSONPath
	}
	c.errorf(p, si.name, CodeFieldNotInQueryLanguage, "%s is a %s field; this state uses %s", field, other, lang)
}

// io checks InputPath, OutputPath and ResultPath, which exist only in JSONPath.
func (c *checker) io(si *stateInfo, in, out, result *asl.Path) {
	for _, f := range []struct {
		name string
		v    *asl.Path
		ref  bool
	}{{"InputPath", in, false}, {"OutputPath", out, false}, {"ResultPath", result, true}} {
		if f.v == nil {
			continue
		}
		p := si.path + "." + f.name
		if si.lang == asl.JSONata {
			c.notInLang(si, p, f.name)
			continue
		}
		if f.v.Null {
			continue
		}
		if f.ref {
			c.referencePath(si, p, f.v.Value)
		} else {
			c.path(si, p, f.v.Value, false)
		}
	}
}

// pathField checks a JSONPath-only XxxPath field.
func (c *checker) pathField(si *stateInfo, field, v string, reference bool) {
	p := si.path + "." + field
	if si.lang == asl.JSONata {
		c.notInLang(si, p, field)
		return
	}
	c.path(si, p, v, reference)
}

// path checks a JSONPath (or, with reference, a Reference Path) and records
// a variable it reads.
func (c *checker) path(si *stateInfo, p, expr string, reference bool) {
	variable, err := parsePath(expr, reference)
	if err != nil {
		code := CodeInvalidJSONPath
		if reference && isRefOnlyError(expr) {
			code = CodeInvalidReferencePath
		}
		c.errorf(p, si.name, code, "%v", err)
		return
	}
	if variable != "" {
		si.refs = append(si.refs, varRef{name: variable, path: p})
	}
}

// isRefOnlyError reports whether expr is a valid Path that is not a valid
// Reference Path (a wildcard, filter, slice, union or recursive descent).
func isRefOnlyError(expr string) bool {
	_, err := parsePath(expr, false)
	return err == nil
}

// referencePath checks a ResultPath-like field, where a variable or a
// context path cannot be the target either.
func (c *checker) referencePath(si *stateInfo, p, expr string) {
	if strings.HasPrefix(expr, "$$") {
		c.errorf(p, si.name, CodeInvalidReferencePath, "%q: a result cannot be written into the context object", expr)
		return
	}
	c.path(si, p, expr, true)
}

// dynamic checks the value of a ".$" key, ErrorPath or CausePath: an
// intrinsic function call or a path.
func (c *checker) dynamic(si *stateInfo, p, s string) {
	if isIntrinsic(s) {
		for _, f := range checkIntrinsic(s) {
			if f.variable != "" {
				si.refs = append(si.refs, varRef{name: f.variable, path: p})
				continue
			}
			c.errorf(p, si.name, f.code, "%s", f.msg)
		}
		return
	}
	c.path(si, p, s, false)
}

// jsonPathTemplate checks a JSONPath-only payload template field.
func (c *checker) jsonPathTemplate(si *stateInfo, field string, raw json.RawMessage) {
	c.template(si, field, raw, asl.JSONPath)
}

// jsonataOnly checks a JSONata-only field.
func (c *checker) jsonataOnly(si *stateInfo, field string, raw json.RawMessage) {
	c.template(si, field, raw, asl.JSONata)
}

// template checks a field that exists only in the query language lang.
func (c *checker) template(si *stateInfo, field string, raw json.RawMessage, lang asl.QueryLanguage) {
	if len(raw) == 0 {
		return
	}
	p := si.path + "." + field
	if si.lang != lang && !(lang == asl.JSONPath && si.lang == "") {
		c.notInLang(si, p, lastField(field))
		return
	}
	c.anyValue(si, p, raw, true)
}

// anyValue checks a JSON value in the state's query language: a payload
// template (".$" keys) in JSONPath when template is set, JSONata strings in
// JSONata.
func (c *checker) anyValue(si *stateInfo, p string, raw json.RawMessage, template bool) {
	v, ok := decode(raw)
	if !ok {
		return
	}
	if si.lang == asl.JSONata {
		c.walkJSONata(si, p, v)
		return
	}
	if template {
		c.walkTemplate(si, p, v)
	}
}

func decode(raw json.RawMessage) (any, bool) {
	v, err := jsonenc.Decode(raw)
	return v, err == nil
}

// walkTemplate checks a JSONPath payload template.
func (c *checker) walkTemplate(si *stateInfo, p string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range jsonvalue.SortedKeys(v) {
			kp := p + "." + k
			if strings.HasSuffix(k, ".$") {
				s, ok := v[k].(string)
				if !ok {
					c.errorf(kp, si.name, CodeInvalidDynamicValue, "a key ending in .$ takes a path or intrinsic function string, got %s", jsonKind(v[k]))
					continue
				}
				c.dynamic(si, kp, s)
				continue
			}
			c.walkTemplate(si, kp, v[k])
		}
	case []any:
		for i, e := range v {
			c.walkTemplate(si, fmt.Sprintf("%s[%d]", p, i), e)
		}
	}
}

// walkJSONata checks every string of a JSONata-state value.
func (c *checker) walkJSONata(si *stateInfo, p string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range jsonvalue.SortedKeys(v) {
			c.walkJSONata(si, p+"."+k, v[k])
		}
	case []any:
		for i, e := range v {
			c.walkJSONata(si, fmt.Sprintf("%s[%d]", p, i), e)
		}
	case string:
		c.maybeJSONata(si, p, v)
	}
}

// looksJSONata reports whether s starts or ends like a JSONata expression.
func looksJSONata(s string) bool {
	return strings.HasPrefix(s, "{%") || strings.HasSuffix(s, "%}")
}

// maybeJSONata checks s if it looks like an expression; other strings are
// literals.
func (c *checker) maybeJSONata(si *stateInfo, p, s string) {
	if looksJSONata(s) {
		c.jsonataString(si, p, s)
	}
}

// jsonataString checks a "{% ... %}" string and records the variables it
// reads.
func (c *checker) jsonataString(si *stateInfo, p, s string) {
	expr, ok := stripJSONata(s)
	if !ok {
		c.errorf(p, si.name, CodeJSONataNotWrapped, "a JSONata expression must be the whole string, as {%% expression %%}")
		return
	}
	vars, err := compileJSONata(expr)
	if err != nil {
		if strings.Contains(expr, "%}") || strings.Contains(expr, "{%") {
			c.errorf(p, si.name, CodeJSONataNotWrapped, "a string holds one JSONata expression, as {%% expression %%}; to build text from several, concatenate inside one: {%% a & b %%} (%v)", err)
			return
		}
		c.errorf(p, si.name, CodeInvalidJSONata, "%v", err)
		return
	}
	for _, v := range vars {
		if v == "states" {
			continue
		}
		si.refs = append(si.refs, varRef{name: v, path: p})
	}
}

// assign checks an Assign object and returns the names it assigns.
func (c *checker) assign(si *stateInfo, p string, raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	v, ok := decode(raw)
	if !ok {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.errorf(p, si.name, CodeSchemaError, "Assign must be an object, got %s", jsonKind(v))
		return nil
	}
	var names []string
	for _, k := range jsonvalue.SortedKeys(obj) {
		kp := p + "." + k
		name := k
		if si.lang != asl.JSONata {
			if n, ok := strings.CutSuffix(k, ".$"); ok {
				name = n
				if s, ok := obj[k].(string); ok {
					c.dynamic(si, kp, s)
				} else {
					c.errorf(kp, si.name, CodeInvalidDynamicValue, "a key ending in .$ takes a path or intrinsic function string, got %s", jsonKind(obj[k]))
				}
			} else {
				c.walkTemplate(si, kp, obj[k])
			}
		} else {
			c.walkJSONata(si, kp, obj[k])
		}
		if msg := checkVariableName(name); msg != "" {
			c.errorf(kp, si.name, CodeInvalidVariableName, "%q %s", name, msg)
			continue
		}
		names = append(names, name)
		c.assigned[name] = true
	}
	return names
}

// checkVariableName returns why name is not a valid variable name, or "".
// A name starts with a letter or underscore, continues with letters, digits
// and underscores, and is at most 80 characters long.
func checkVariableName(name string) string {
	if name == "" {
		return "is empty"
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return fmt.Sprintf("is longer than %d characters", maxNameLength)
	}
	for i, r := range name {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case unicode.IsDigit(r) && i > 0:
		default:
			return fmt.Sprintf("is not a valid variable name: %q at offset %d (use letters, digits and _, not starting with a digit)", r, i)
		}
	}
	if name == "states" {
		return "is reserved ($states is the JSONata state context)"
	}
	return ""
}
