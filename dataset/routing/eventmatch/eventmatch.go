package eventmatch

import (
	"encoding/json"
	"fmt"
	"sync"
)

// MaxNumeric is the largest magnitude EventBridge numeric matching covers:
// values between -5.0e9 and +5.0e9 (Event Ruler,
// https://github.com/aws/event-ruler; older EventBridge pages say 1.0e9).
// An S3 object larger than MaxNumeric bytes may match no rule with a
// numeric size condition on AWS, although Match says it does.
const MaxNumeric = 5.0e9

// S3ObjectCreated returns the EventBridge event S3 sends for a new object,
// in AWS's shape (version 0, detail-type "Object Created").
func S3ObjectCreated(id, account, region, time, bucket, key, versionID, etag string, size int64) map[string]any {
	object := map[string]any{"key": key, "size": size, "etag": etag, "sequencer": fmt.Sprintf("%016X", size)}
	if versionID != "" {
		object["version-id"] = versionID
	}
	return map[string]any{
		"version":     "0",
		"id":          id,
		"detail-type": "Object Created",
		"source":      "aws.s3",
		"account":     account,
		"time":        time,
		"region":      region,
		"resources":   []any{"arn:aws:s3:::" + bucket},
		"detail": map[string]any{
			"version":    "0",
			"bucket":     map[string]any{"name": bucket},
			"object":     object,
			"request-id": id,
			"requester":  account,
			"reason":     "PutObject",
		},
	}
}

// Match reports whether event matches pattern, both decoded JSON
// (map[string]any, numbers as float64, int64 or json.Number). It encodes
// both as JSON and uses Compile and ParseEvent, so it refuses what
// EventBridge refuses and matches as EventBridge does; a refused pattern
// is a *PatternError. Callers that match many events against one pattern
// should Compile it once.
func Match(pattern, event map[string]any) (bool, error) {
	p, err := compileMap(pattern)
	if err != nil {
		return false, err
	}
	b, err := json.Marshal(event)
	if err != nil {
		return false, fmt.Errorf("event: %w", err)
	}
	return p.MatchText(b)
}

// Validate reports whether EventBridge would accept pattern (a
// *PatternError if not): see Compile.
func Validate(pattern map[string]any) error {
	_, err := compileMap(pattern)
	return err
}

// CompileMap compiles a pattern held as decoded JSON; see Compile.
func CompileMap(pattern map[string]any) (*Pattern, error) { return compileMap(pattern) }

// MatchBeyondRange is Match with numbers compared over the whole float64
// range, as if EventBridge's numeric matching were not limited to
// ±MaxNumeric: it answers whether a rule would accept an event but for
// that limit.
func MatchBeyondRange(pattern, event map[string]any) (bool, error) {
	p, err := compileMap(pattern)
	if err != nil {
		return false, err
	}
	b, err := json.Marshal(event)
	if err != nil {
		return false, fmt.Errorf("event: %w", err)
	}
	e, err := ParseEvent(b)
	if err != nil {
		return false, err
	}
	return p.match(e, true), nil
}

// compiled caches the patterns compileMap compiled, by text, up to
// maxCompiled of them: the callers hold a few patterns and match every
// event against all of them.
var (
	compiledMu sync.Mutex
	compiled   = map[string]*Pattern{}
)

const maxCompiled = 256

func compileMap(pattern map[string]any) (*Pattern, error) {
	b, err := json.Marshal(pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	compiledMu.Lock()
	p, ok := compiled[string(b)]
	compiledMu.Unlock()
	if ok {
		return p, nil
	}
	p, err = Compile(b)
	if err != nil {
		return nil, err
	}
	compiledMu.Lock()
	if len(compiled) >= maxCompiled {
		clear(compiled)
	}
	compiled[string(b)] = p
	compiledMu.Unlock()
	return p, nil
}
