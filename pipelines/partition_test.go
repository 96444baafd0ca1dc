package pipelines

import (
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// A partition's span holds exactly the values whose local date falls in
// it: the hour before and after a month's edge in Shanghai time, and
// every day of a date-partitioned data set.
func TestPartitionSpan(t *testing.T) {
	ds, _ := contracts(t)
	// name is the partition a value belongs to, written out directly.
	name := func(d *Dataset, v lake.Value) string {
		c, _, _ := d.Column(d.PartitionBy)
		tm := v.Time(c.LakeType())
		if c.Type == "timestamp" {
			tm = tm.In(shanghai)
		}
		if d.Granularity() == "month" {
			return tm.Format("2006-01")
		}
		return tm.Format("2006-01-02")
	}
	checked := 0
	for _, d := range ds {
		if d.PartitionBy == "" {
			continue
		}
		c, _, _ := d.Column(d.PartitionBy)
		var vals []lake.Value
		if c.LakeType() == lake.Timestamp {
			edge := time.Date(2023, 6, 1, 0, 0, 0, 0, shanghai)
			for _, off := range []time.Duration{-time.Hour, -time.Microsecond, 0, time.Microsecond, time.Hour, 40 * 24 * time.Hour} {
				vals = append(vals, lake.Micros(edge.Add(off)))
			}
		} else {
			for day := 0; day < 400; day += 3 {
				vals = append(vals, lake.Day(time.Date(2023, 1, 1+day, 0, 0, 0, 0, time.UTC)))
			}
		}
		for _, v := range vals {
			got, lo, hi := partitionSpan(d, v, shanghai)
			if want := name(d, v); got != want {
				t.Errorf("%s %d: partition %s, want %s", d.Name, v.I, got, want)
			}
			if v.I < lo || v.I >= hi || name(d, lake.Value{I: lo}) != got || name(d, lake.Value{I: hi - 1}) != got || name(d, lake.Value{I: hi}) == got {
				t.Errorf("%s %d (%s): span [%d, %d) is not the partition's", d.Name, v.I, got, lo, hi)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no partitioned data set")
	}
}
