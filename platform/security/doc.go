// Package security holds the Security component: the customer-managed KMS
// key every other component encrypts with (rotation on, a key policy
// naming the account root and the service principals that use it), and,
// when a stack asks, a VPC with private subnets, gateway endpoints for S3
// and DynamoDB and interface endpoints for the other services the
// functions call, so that they run without internet access.
package security
