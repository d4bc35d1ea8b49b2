// Package dynamo is the local runtime's DynamoDB: a Store answers the
// DynamoDB JSON protocol (as an http.Handler, for a server on the loopback
// interface), so the real aws-sdk-go-v2 client and every handler using it
// talk to it over HTTP as they would to DynamoDB.
//
// Items live on disk in LevelDB, so memory stays bounded however large a
// table grows; DynamoDB's semantics (conditions, updates, projections,
// filters) come from minidyn, run on a scratch table that holds only the
// items one request touches. Where minidyn departs from DynamoDB in ways a
// pipeline meets, the store corrects it (Query order, number and item-size
// limits, REMOVE of a top-level attribute, the type of empty lists, maps
// and binaries a PutItem or UpdateItem stores, or a filtered or projected
// Scan or Query returns: retype.go). Not corrected: minidyn refuses an
// UpdateItem or filtered Scan that meets an empty binary, and a filtered
// Query of an item holding an empty map or list ("value type is not
// supported yet"); the loader's writes (BatchWriteItem, conditional
// PutItem) meet neither. The store also injects throttling and UnprocessedItems on
// request (Faults).
package dynamo
