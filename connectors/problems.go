package connectors

import (
	"fmt"
	"strings"
)

// MaxCellBytes bounds one cell. Decoders keep at most MaxCellBytes+1 bytes
// of a longer cell (so memory stays flat on a 60 MiB line) and the
// validator rejects it as too long: a cell that size is never a figure a
// department meant to report.
const MaxCellBytes = 32 << 10

// MaxRowBytes bounds the bytes a decoder keeps of one row; a longer row is
// reported as a RowError rather than assembled.
const MaxRowBytes = 1 << 20

// MaxColumns bounds the cells of one row (Excel's own limit).
const MaxColumns = 16384

// TruncateCell returns at most MaxCellBytes+1 bytes of b: enough for the
// validator to see that the cell is too long, never the giant string.
func TruncateCell(b []byte) []byte {
	if len(b) > MaxCellBytes+1 {
		return b[:MaxCellBytes+1]
	}
	return b
}

// RowError is what a decoder found wrong with one row (a JSON record with
// the same key twice, a CSV line with too many fields to keep). Next
// returns it instead of the row and carries on with the following row on
// the next call: the row is rejected with this reason, the file is not.
type RowError struct {
	Row      Row // Sheet and Number locate the row; Cells may be empty
	Column   string
	Value    string
	Reason   string
	ReasonZh string
}

func (e *RowError) Error() string {
	var b strings.Builder
	if e.Row.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q ", e.Row.Sheet)
	}
	fmt.Fprintf(&b, "row %d: %s", e.Row.Number, e.Reason)
	return b.String()
}

// FileError is why a whole file cannot be read (it is empty, mixes
// encodings, has an unterminated quote…), in English and in Chinese for
// the department that must fix it. Line and Offset locate the fault when
// known (1-based line; byte offset from the start of the file).
type FileError struct {
	Line     int
	Offset   int64
	Reason   string
	ReasonZh string
	// Empty marks a file that holds no data at all: an empty submission
	// rather than a broken one.
	Empty bool
}

func (e *FileError) Error() string { return e.Reason }
