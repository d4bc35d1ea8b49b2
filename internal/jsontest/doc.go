// Package jsontest decodes JSON in tests the way the engine decodes state
// data: numbers as json.Number, so that 1 and 1.0 stay distinct and large
// integers keep every digit. The jsonpath, intrinsic and jsonvalue tests
// all build their inputs with it.
package jsontest
