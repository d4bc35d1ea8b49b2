// Package policy builds IAM policy documents (identity, trust, key, bucket
// and queue policies) from Go structs rather than JSON strings, and renders
// them once the ARNs they name are known.
//
// A Document names not-yet-known values with ${ref} placeholders; Render
// resolves them from Pulumi outputs inside one Apply and fails on any
// placeholder left over, so a policy can never be deployed with a hole.
package policy
