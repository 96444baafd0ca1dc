package lake

import "io"

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
	return newRowWriter(out, name, cols, o)
}
