// Package hashalg maps the hash algorithm names of Step Functions
// (States.Hash and JSONata's $hash) to Go hashes, so that both languages
// accept the same names.
package hashalg

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// Names lists the algorithms Step Functions accepts, in its order.
var Names = []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"}

// New returns a new hash for the algorithm called name, and false for a
// name Step Functions does not accept.
func New(name string) (hash.Hash, bool) {
	switch name {
	case "MD5":
		return md5.New(), true
	case "SHA-1":
		return sha1.New(), true
	case "SHA-256":
		return sha256.New(), true
	case "SHA-384":
		return sha512.New384(), true
	case "SHA-512":
		return sha512.New(), true
	}
	return nil, false
}
