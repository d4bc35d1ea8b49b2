package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
)

// dynamodb sends the task input as a DynamoDB API request: the Step
// Functions integration's parameters are the API's own request shape.
func (inv *Invoker) dynamodb(ctx context.Context, action string, input any) (any, error) {
	op := map[string]string{"putItem": "PutItem", "getItem": "GetItem", "updateItem": "UpdateItem", "deleteItem": "DeleteItem"}[action]
	if op == "" {
		return nil, &engine.TaskError{Name: "States.Runtime", Cause: "unsupported DynamoDB integration " + action}
	}
	body, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inv.ddbURL+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z")) // dynalite requires it (its signature is not checked)
	resp, err := inv.http.Do(req)
	if err != nil {
		return nil, &engine.TaskError{Name: "DynamoDB.AmazonDynamoDBException", Cause: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg2    string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &e)
		typ := e.Type[strings.LastIndexByte(e.Type, '#')+1:]
		if typ == "" {
			typ = "AmazonDynamoDBException"
		}
		msg := e.Message
		if msg == "" {
			msg = e.Msg2
		}
		return nil, &engine.TaskError{Name: "DynamoDB." + typ, Cause: fmt.Sprintf("%s (Service: AmazonDynamoDBv2; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", msg, resp.StatusCode, typ, newID())}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
