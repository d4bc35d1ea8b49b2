package eventmatch

import (
	"errors"
	"fmt"
)

// Validate checks every field and content filter of pattern, which Match
// checks only as far as it needs to decide (it stops at the first field
// that does not match). A pattern Validate accepts makes Match return no
// error for any event.
func Validate(pattern map[string]any) error {
	for field, want := range pattern {
		if field == "$or" {
			branches, err := orBranches(want)
			if err != nil {
				return err
			}
			for i, b := range branches {
				if err := Validate(b); err != nil {
					return fmt.Errorf(`"$or" pattern %d: %w`, i, err)
				}
			}
			continue
		}
		switch w := want.(type) {
		case map[string]any:
			if err := Validate(w); err != nil {
				return fmt.Errorf("field %q: %w", field, err)
			}
		case []any:
			for _, c := range w {
				if err := validateFilter(c); err != nil {
					return fmt.Errorf("field %q: %w", field, err)
				}
			}
		default:
			return fmt.Errorf("field %q: pattern values must be arrays or objects", field)
		}
	}
	return nil
}

// validateFilter checks one element of a field's array: a value, or a
// content filter (an object of one operator) as matchOne reads it.
func validateFilter(cond any) error {
	m, ok := cond.(map[string]any)
	if !ok {
		return nil
	}
	if len(m) != 1 {
		return fmt.Errorf("a content filter must have exactly one key, got %d", len(m))
	}
	for op, arg := range m {
		switch op {
		case "exists":
			if _, ok := arg.(bool); !ok {
				return errors.New("exists takes true or false")
			}
		case "prefix", "suffix":
			if _, _, err := stringArg(arg); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
		case "equals-ignore-case":
			if _, ok := arg.(string); !ok {
				return errors.New("equals-ignore-case takes a string")
			}
		case "wildcard":
			s, ok := arg.(string)
			if !ok {
				return errors.New("wildcard takes a string")
			}
			if _, err := wildcard(s); err != nil {
				return err
			}
		case "numeric":
			return validateNumeric(arg)
		case "anything-but":
			return validateAnythingBut(arg)
		default:
			return fmt.Errorf("unsupported content filter %q", op)
		}
	}
	return nil
}

func validateNumeric(arg any) error {
	spec, ok := arg.([]any)
	if !ok || len(spec) == 0 || len(spec)%2 != 0 {
		return errors.New("numeric takes [op, number, ...]")
	}
	for i := 0; i < len(spec); i += 2 {
		switch op, _ := spec[i].(string); op {
		case "=", "<", "<=", ">", ">=":
		default:
			return fmt.Errorf("numeric: unknown operator %q", op)
		}
		if _, ok := number(spec[i+1]); !ok {
			return fmt.Errorf("numeric: %v is not a number", spec[i+1])
		}
	}
	return nil
}

func validateAnythingBut(arg any) error {
	a, ok := arg.(map[string]any)
	if !ok {
		return nil // a value or a list of values
	}
	if list, ok := a["wildcard"].([]any); ok && len(a) == 1 {
		if len(list) == 0 {
			return errors.New("anything-but: empty wildcard list")
		}
		for _, w := range list {
			if err := validateFilter(map[string]any{"wildcard": w}); err != nil {
				return fmt.Errorf("anything-but: %w", err)
			}
		}
		return nil
	}
	if err := validateFilter(a); err != nil {
		return fmt.Errorf("anything-but: %w", err)
	}
	return nil
}
