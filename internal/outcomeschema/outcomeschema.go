package outcomeschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sluicehq/sluice/internal/modroot"
)

// Path is the schema file's path from the module root.
const Path = "docs/schemas/outcome.schema.json"

var compiled = sync.OnceValues(load)

// Schema returns the compiled schema and its decoded document (for tests
// that read its properties). It is compiled once; both are safe for
// concurrent use and must not be modified.
func Schema() (*jsonschema.Schema, map[string]any, error) {
	c, err := compiled()
	return c.schema, c.doc, err
}

type schema struct {
	schema *jsonschema.Schema
	doc    map[string]any
}

func load() (schema, error) {
	root, err := modroot.Dir()
	if err != nil {
		return schema{}, err
	}
	path := filepath.Join(root, Path)
	b, err := os.ReadFile(path)
	if err != nil {
		return schema{}, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return schema{}, fmt.Errorf("%s: %w", Path, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return schema{}, fmt.Errorf("%s: not a JSON object", Path)
	}
	id, _ := m["$id"].(string)
	if id == "" {
		return schema{}, fmt.Errorf("%s: no $id", Path)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		return schema{}, fmt.Errorf("%s: %w", Path, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return schema{}, fmt.Errorf("%s: %w", Path, err)
	}
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		return schema{}, fmt.Errorf("%s: %w", Path, err)
	}
	return schema{schema: sch, doc: plain}, nil
}

// Validate checks one event (its JSON text, as a rule's target receives
// it) against the schema; the error lists every violation with its
// location.
func Validate(event []byte) error {
	sch, _, err := Schema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}
