// Package jsonenc appends JSON text without reflection, byte for byte what
// encoding/json produces with SetEscapeHTML(false). The engine (its
// canonical state data) and functions/records (JSON Lines) both write
// strings through it, so the two agree on every escape.
package jsonenc
