package lake

import (
	"io"
	"maps"
	"slices"

	"github.com/parquet-go/parquet-go"
)

// WriterOptions shape a Parquet file written for readers outside Waymark
// (exports, query results): the lake's own files need none of this.
type WriterOptions struct {
	// Metadata is the file's key-value metadata (what the file holds, as of
	// when, which build, units).
	Metadata map[string]string
	// Decimals makes Int64 columns, by name, DECIMAL(18, scale): the values
	// written are then the unscaled integers (12.34 at scale 2 is 1234).
	Decimals map[string]int
}

// decimalPrecision is the most digits an INT64 decimal holds.
const decimalPrecision = 18

// NewRowWriterWith starts a Parquet file like NewRowWriter (zstd, columns
// in order, dictionary-encoded strings) with the options' metadata and
// decimal columns.
func NewRowWriterWith(out io.Writer, name string, cols []Column, o WriterOptions) *RowWriter {
	g := orderedGroup{Group: parquet.Group{}, order: map[string]int{}}
	for i, c := range cols {
		node := c.Type.node()
		if scale, ok := o.Decimals[c.Name]; ok && c.Type == Int64 {
			node = parquet.Decimal(scale, decimalPrecision, parquet.Int64Type)
		}
		g.Group[c.Name] = parquet.Optional(node)
		g.order[c.Name] = i
	}
	opts := []parquet.WriterOption{parquet.NewSchema(name, g), parquet.Compression(codec), parquet.PageBufferSize(256 << 10)}
	// Sorted keys: the same content gives the same bytes.
	for _, k := range slices.Sorted(maps.Keys(o.Metadata)) {
		opts = append(opts, parquet.KeyValueMetadata(k, o.Metadata[k]))
	}
	w := parquet.NewGenericWriter[any](out, opts...)
	colVals := make([][]parquet.Value, len(cols))
	for i := range colVals {
		colVals[i] = make([]parquet.Value, 0, rowBatch)
	}
	return &RowWriter{cols: cols, w: w, colVals: colVals}
}

// EndRowGroup closes the current row group, so a caller can size row
// groups for its readers (smaller than the lake's own bound).
func (rw *RowWriter) EndRowGroup() error {
	if err := rw.flush(); err != nil {
		return err
	}
	rw.flushed = rw.count
	return rw.w.Flush()
}

// Rows is how many rows have been written.
func (rw *RowWriter) Rows() int64 { return rw.count }
