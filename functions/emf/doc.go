// Package emf writes CloudWatch embedded metric format (EMF) documents:
// one JSON object per line whose "_aws" member tells CloudWatch Logs which
// of the object's members are metrics and which are their dimensions
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// A Lambda function writes them to standard output; CloudWatch Logs
// extracts the metrics with no API call and no agent.
//
// No Go client library of AWS's exists for the format (AWS publishes them
// for Node.js, Python, Java and .NET), and the format is one small JSON
// object, so this package encodes it itself; testdata/emf.schema.json
// writes the specification's rules as a JSON Schema that the tests check
// every document against.
//
// A document that would break a rule of the specification (an empty or
// over-long namespace, name or dimension value, too many metrics or
// dimensions, a value that is not finite) is refused with an error
// rather than written: CloudWatch would drop it silently.
package emf
