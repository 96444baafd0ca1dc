package lake_test

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// BenchmarkRowWriterSensorRows encodes rows shaped like a logger dump's:
// 68 stations and their sensors cycling, a reading per row, and the
// constant lineage of one input.
func BenchmarkRowWriterSensorRows(b *testing.B) {
	cols := []lake.Column{{"station_id", lake.String}, {"sensor_id", lake.String}, {"channel", lake.String}, {"ts", lake.Timestamp},
		{"value", lake.Float64}, {"unit", lake.String}, {"topic", lake.String}, {"_source", lake.String}, {"_file", lake.String},
		{"_checksum", lake.String}, {"_sheet", lake.String}, {"_row", lake.Int64}, {"_run_id", lake.String},
		{"_submitted_at", lake.Timestamp}, {"_ingested_at", lake.Timestamp}}
	stations, sensors := make([]string, 68), make([]string, 68)
	for i := range stations {
		stations[i], sensors[i] = fmt.Sprintf("GH-%03d", i+1), fmt.Sprintf("GH-%03d-RG", i+1)
	}
	now := time.Now().UnixMicro()
	row := make([]lake.Value, len(cols))
	const n = 500_000
	b.ResetTimer()
	for range b.N {
		w := lake.NewRowWriter(io.Discard, "bench", cols)
		for i := 0; i < n; i++ {
			row[0], row[1], row[2] = lake.Str(stations[i%68]), lake.Str(sensors[i%68]), lake.Str("rainfall_mm")
			row[3], row[4], row[5] = lake.Int(now+int64(i/68)*60e6), lake.Float(float64(i%13)+0.1*float64(i%10)), lake.Str("mm")
			row[6], row[7], row[8] = lake.Null(), lake.Str("inbox"), lake.Str("sensors.csv")
			row[9], row[10], row[11] = lake.Str("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), lake.Null(), lake.Int(int64(i+2))
			row[12], row[13], row[14] = lake.Str("20261201T000000Z-000000"), lake.Int(now), lake.Int(now)
			if err := w.WriteValues(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		w.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
