// Package sdkinput mirrors the aws-sdk-go-v2 input structs of the service
// integrations whose SDK packages nothing else in the sluice binary needs
// (SNS Publish, EventBridge PutEvents): the same type names, exported
// fields, field order and field types, without the SDK. The builder checks
// a Task's parameters against these field names; importing the SDK service
// packages for that alone made every sluice command run their package
// initialisation (about 2.5 ms of CPU and 220 page faults at each start).
// workflow's TestSDKInputMirrors checks each mirror against its SDK type,
// so an SDK upgrade that changes a field fails the test.
package sdkinput

import "time"

// PublishInput mirrors sns.PublishInput.
type PublishInput struct {
	Message                *string
	MessageAttributes      map[string]MessageAttributeValue
	MessageDeduplicationId *string
	MessageGroupId         *string
	MessageStructure       *string
	PhoneNumber            *string
	Subject                *string
	TargetArn              *string
	TopicArn               *string
}

// MessageAttributeValue mirrors sns types.MessageAttributeValue.
type MessageAttributeValue struct {
	DataType    *string
	BinaryValue []byte
	StringValue *string
}

// PutEventsInput mirrors eventbridge.PutEventsInput.
type PutEventsInput struct {
	Entries    []PutEventsRequestEntry
	EndpointId *string
}

// PutEventsRequestEntry mirrors eventbridge types.PutEventsRequestEntry.
type PutEventsRequestEntry struct {
	Detail       *string
	DetailType   *string
	EventBusName *string
	Resources    []string
	Source       *string
	Time         *time.Time
	TraceHeader  *string
}
