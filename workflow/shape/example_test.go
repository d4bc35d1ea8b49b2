package shape_test

import (
	"fmt"
	"reflect"

	"github.com/sluicehq/sluice/workflow/jsonpath"
	"github.com/sluicehq/sluice/workflow/shape"
)

// ExampleGet checks a path against the shape of a Go type.
func ExampleGet() {
	type Chunk struct {
		Key   string `json:"key" maxBytes:"1024"`
		Index int    `json:"index"`
	}
	type Output struct {
		First Chunk `json:"first"`
	}
	s := shape.MustOf(reflect.TypeFor[Output]())
	fmt.Println(s, s.Size())

	p := jsonpath.MustParse("$.first.kye")
	_, err := shape.Get(s, "$", p.Segments())
	fmt.Println(err)
	// Output:
	// {first: {index: number, key: string}} 1075
	// $.first (shape_test.Chunk) has no field "kye" (did you mean "key"?); it has: index, key
}
