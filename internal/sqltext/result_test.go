package sqltext

import (
	"math/big"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// decimal stands for the driver's DECIMAL value, which has Float64.
type decimal float64

func (d decimal) Float64() float64 { return float64(d) }

func TestResultColumns(t *testing.T) {
	text := func(v any) string { return "text" }
	day := time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		dbType string
		in     any
		typ    lake.Type
		scale  int
		want   lake.Value
		err    bool
	}{
		{"DECIMAL(18,2)", 0.1 + 0.2, lake.Int64, 2, lake.Int(30), false}, // 0.30 as unscaled 30
		{"DECIMAL(9,3)", decimal(12.3456), lake.Int64, 3, lake.Int(12346), false},
		{"DECIMAL(38,2)", 1.5, lake.Float64, -1, lake.Float(1.5), false}, // wider than INT64 holds
		{"BIGINT", int64(9007199254740993), lake.Int64, -1, lake.Int(9007199254740993), false},
		{"INTEGER", int32(-7), lake.Int64, -1, lake.Int(-7), false},
		{"HUGEINT", big.NewInt(12), lake.Float64, -1, lake.Float(12), false},
		{"DOUBLE", 2.5, lake.Float64, -1, lake.Float(2.5), false},
		{"DATE", day, lake.Date, -1, lake.Day(day), false},
		{"TIMESTAMP WITH TIME ZONE", day, lake.Timestamp, -1, lake.Micros(day), false},
		{"BOOLEAN", true, lake.Bool, -1, lake.Int(1), false},
		{"VARCHAR", "旗科协", lake.String, -1, lake.Str("旗科协"), false},
		{"VARCHAR", []byte("x"), lake.String, -1, lake.Str("x"), false},
		{"INTERVAL", struct{}{}, lake.String, -1, lake.Str("text"), false},
		{"VARCHAR[]", []any{"a", "b"}, lake.String, -1, lake.Str(`["a","b"]`), false},
		{"STRUCT(a INTEGER)", map[string]any{"a": 1}, lake.String, -1, lake.Str(`{"a":1}`), false},
		{"DOUBLE", nil, lake.Float64, -1, lake.Null(), false},
		{"DATE", "2023-05-31", lake.Date, -1, lake.Value{}, true}, // not a time: an error, never text in a date column
		{"BIGINT", "many", lake.Int64, -1, lake.Value{}, true},
	} {
		c := ResultColumnOf("x", tc.dbType)
		if c.Type != tc.typ || c.Scale != tc.scale {
			t.Errorf("%s: type %v scale %d, want %v %d", tc.dbType, c.Type, c.Scale, tc.typ, tc.scale)
		}
		got, err := c.Value(tc.in, text)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s %v: %+v, %v; want %+v (error %v)", tc.dbType, tc.in, got, err, tc.want, tc.err)
		}
	}
}
