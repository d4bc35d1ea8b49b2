package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Fingerprint returns a stable digest of d's declaration: the SHA-256, in
// hex, of its exported fields as JSON (struct fields in declaration order,
// map keys sorted, nothing compiled), so two declarations have the same
// fingerprint exactly when they declare the same dataset. The Pulumi
// program compares a stack's datasets with those the function binaries
// embed by it. An error means a declaration JSON cannot encode (a NaN
// bound, say), which compiling it would refuse.
func (d *Dataset) Fingerprint() (string, error) {
	if d == nil {
		return "", fmt.Errorf("dataset: fingerprint of no dataset")
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("dataset %s: fingerprint: %w", d.Name, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
