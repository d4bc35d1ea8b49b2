// Package jsonenc writes compact JSON without reflection, byte for byte what
// encoding/json produces with SetEscapeHTML(false): sorted object keys, the
// same string escapes. AppendString serves the engine and functions/records
// (JSON Lines); AppendValue and Marshal are the engine's canonical encoding
// of state data, which workflow/diff and the builder share so that every
// payload Sluice prints reads the same. AppendStringMinimal writes strings
// the way Jackson and JSON.stringify do, for the intrinsic functions and
// JSONata.
// DecodeValue is the reverse fast path: a valid document decoded as
// encoding/json's Decoder with UseNumber would, without its buffers.
package jsonenc
