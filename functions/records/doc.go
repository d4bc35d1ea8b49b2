// Package records reads the files Sluice ingests as a stream of records and
// writes the staged JSON Lines, with memory bounded whatever the input size:
// every reader holds at most one record (capped by Limits.MaxRecordBytes)
// plus a fixed buffer.
//
// Readers exist for CSV (header, delimiter, quotes, quoted newlines, BOM,
// CRLF), a JSON array (streamed element by element, nesting depth capped),
// JSON Lines and XML (one element per record; DTDs and entity declarations
// are rejected). Gzip input is decompressed through a guard that stops a
// decompression bomb. Open picks the reader for a dataset's Format.
//
// A Reader's Next returns the next Record with its line and row number, or:
// a *RowError, when one record is bad but the reader can go on (a ragged
// CSV row, an invalid JSON line); a *FormatError, when the file as a whole
// is unusable (invalid UTF-8, an unterminated quote, a DTD, a bomb) and
// reading must stop; io.EOF at the end.
package records
