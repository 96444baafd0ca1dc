package pipelines

import (
	"fmt"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

// BenchmarkValidatorSensorRows checks the large sensor CSV's rows (68
// stations in turn, a reading a minute each) with the validator alone:
// the biggest share of an ingest's CPU, measured without the reader, the
// encoder and the machine's other work in the way.
func BenchmarkValidatorSensorRows(b *testing.B) {
	ds, refs := contracts(b)
	const n = 200_000
	rows := make([]connectors.Row, n+1)
	rows[0] = connectors.Row{Number: 1, Cells: []string{"station", "sensor", "channel", "time", "value", "unit"}}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		site := i%68 + 1
		t := start.Add(time.Duration(i/68) * time.Minute)
		rows[i+1] = connectors.Row{Number: i + 2, Cells: []string{fmt.Sprintf("GH-%03d", site), fmt.Sprintf("GH-%03d-RG", site), "rainfall_mm",
			t.Format("2006-01-02 15:04:05"), fmt.Sprintf("%d.%d", i%13, i%10), "mm"}}
	}
	b.ResetTimer()
	for range b.N {
		v := NewValidator(ds["sensor_readings"], refs, shanghai, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		v.Rectangular()
		for _, r := range rows {
			if _, bad := v.Row(r); bad != nil {
				b.Fatalf("row %d: %v", r.Number, bad)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
