package local

import "errors"

// Functions builds the real Sluice handlers for the local runtime.
func Functions(d Deps) ([]*FunctionSpec, error) {
	return nil, errors.New("local: the function handlers are not wired yet")
}
