package dynamo

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestStoreLimits: items DynamoDB would refuse (numbers beyond its
// precision or range, items over 400 KB) are refused with a
// ValidationException, through every write path, and nothing is stored.
func TestStoreLimits(t *testing.T) {
	ctx := context.Background()
	c, closeFn := openTable(t, "", Faults{})
	defer closeFn()
	createItems(t, c)
	put := func(attrs map[string]types.AttributeValue) error {
		item := map[string]types.AttributeValue{"pk": str("k")}
		for k, v := range attrs {
			item[k] = v
		}
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			"items": {{PutRequest: &types.PutRequest{Item: item}}}}})
		return err
	}
	for _, tc := range []struct {
		name string
		v    types.AttributeValue
		want string // "" accepted; else part of the error
	}{
		{"38 digits", num("1.2345678901234567890123456789012345678"), ""},
		{"largest", num("9.9999999999999999999999999999999999999E+125"), ""},
		{"smallest", num("1E-130"), ""},
		{"trailing zeros are not significant", num("1000000000000000000000000000000000000000000"), ""},
		{"zero", num("-0.000"), ""},
		{"39 digits", num("1.23456789012345678901234567890123456789"), "38 significant digits"},
		{"overflow", num("1E+126"), "overflow"},
		{"underflow", num("1E-131"), "underflow"},
		{"in a list", &types.AttributeValueMemberL{Value: []types.AttributeValue{num("1E+200")}}, "overflow"},
		{"in a map", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": num("1E-200")}}, "underflow"},
		{"in a number set", &types.AttributeValueMemberNS{Value: []string{"1", "1E+999"}}, "overflow"},
		{"401 KB", str(strings.Repeat("x", 401*1024)), "maximum allowed size"},
	} {
		err := put(map[string]types.AttributeValue{"v": tc.v})
		var ve interface{ ErrorCode() string }
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &ve) || ve.ErrorCode() != "ValidationException" || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: want a ValidationException about %q, got %v", tc.name, tc.want, err)
		}
	}
	// An update whose result is too large is refused and changes nothing.
	if err := put(map[string]types.AttributeValue{"v": str(strings.Repeat("y", 300*1024))}); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"),
		Key:                       map[string]types.AttributeValue{"pk": str("k")},
		UpdateExpression:          aws.String("SET w = :w"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":w": str(strings.Repeat("z", 200*1024))}})
	if err == nil || !strings.Contains(err.Error(), "maximum allowed size") {
		t.Errorf("update past 400 KB: want refused, got %v", err)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: map[string]types.AttributeValue{"pk": str("k")}})
	if err != nil || got.Item["w"] != nil || len(got.Item["v"].(*types.AttributeValueMemberS).Value) != 300*1024 {
		t.Errorf("the refused update changed the item: %v", err)
	}
}

// FuzzDecimalParts checks the number parser against math/big: the digits
// and exponent it returns are the number's value, without leading or
// trailing zeros, and it accepts exactly what big.Rat accepts as a plain
// decimal.
func FuzzDecimalParts(f *testing.F) {
	for _, s := range []string{"0", "-12.50E3", "1e-130", ".5", "5.", "007", "1E+126", "-0.000", "1.2.3", "e5", "+-1", "1e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits, exp, err := decimalParts(s)
		want, ok := new(big.Rat).SetString(s)
		plain := ok && !strings.ContainsAny(s, "/xXpPoObB_") && !strings.HasPrefix(strings.TrimLeft(s, "+-"), "0x")
		if err != nil {
			if plain && len(s) < 40 && !strings.ContainsAny(s, "eE") {
				t.Fatalf("%q: refused (%v) but big.Rat reads it as %s", s, err, want)
			}
			return
		}
		if !ok {
			t.Fatalf("%q: accepted as %s×10^%d, but big.Rat refuses it", s, digits, exp)
		}
		if digits != "" && (digits[0] == '0' || digits[len(digits)-1] == '0') {
			t.Fatalf("%q: digits %q keep a leading or trailing zero", s, digits)
		}
		got := new(big.Rat)
		if digits != "" {
			if exp > 2000 || exp < -2000 {
				return // too large to rebuild cheaply
			}
			got.SetString(digits)
			p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
			if exp >= 0 {
				got.Mul(got, p)
			} else {
				got.Quo(got, p)
			}
		}
		if got.Cmp(new(big.Rat).Abs(want)) != 0 {
			t.Fatalf("%q: %s×10^%d is %s, want %s", s, digits, exp, got.RatString(), want.RatString())
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
