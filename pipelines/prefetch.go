package pipelines

import (
	"errors"
	"io"

	"github.com/waymark-data/waymark/connectors"
)

// prefetch decodes rows on a goroutine of its own, a batch ahead of the
// validator, so that parsing, validating and Parquet encoding each get a
// share of the cores. Row cells must not be reused by the reader (none of
// the decoders does).
//
// A batch closes at prefetchRows rows or prefetchBytes bytes of cells,
// whichever comes first, so that what waits in the channel stays small
// however wide or long the rows are. A decoder's RowError travels with the
// batch in the row's place and decoding goes on.
type prefetch struct {
	src  connectors.RowReader
	ch   chan rowsBatch
	stop chan struct{}
	cur  rowsBatch
	i    int
}

type rowsBatch struct {
	rows []connectors.Row
	// rowErrs[i], when set, is the decoder's verdict on rows[i].
	rowErrs map[int]*connectors.RowError
	err     error // set on the last batch: io.EOF or the decode error
}

const (
	prefetchRows    = 1024
	prefetchBytes   = 2 << 20
	prefetchBatches = 8 // decoded ahead: the validator rarely waits (16 MiB of cells at most)
)

func newPrefetch(src connectors.RowReader) *prefetch {
	p := &prefetch{src: src, ch: make(chan rowsBatch, prefetchBatches), stop: make(chan struct{})}
	go func() {
		defer close(p.ch)
		for {
			b := rowsBatch{rows: make([]connectors.Row, 0, prefetchRows)}
			size := 0
			for len(b.rows) < prefetchRows && size < prefetchBytes {
				row, err := src.Next()
				var re *connectors.RowError
				if errors.As(err, &re) {
					if b.rowErrs == nil {
						b.rowErrs = map[int]*connectors.RowError{}
					}
					b.rowErrs[len(b.rows)] = re
					b.rows = append(b.rows, re.Row)
					continue
				}
				if err != nil {
					if err != io.EOF {
						b.rows = append(b.rows, row) // where it broke, for the message
					}
					b.err = err
					break
				}
				for _, c := range row.Cells {
					size += len(c) + 16
				}
				b.rows = append(b.rows, row)
			}
			select {
			case p.ch <- b:
			case <-p.stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	return p
}

// Next returns the next row, or the decoder's error (io.EOF at the end)
// together with the row it stopped at; a RowError is returned as is and
// the next call goes on with the following row.
func (p *prefetch) Next() (connectors.Row, error) {
	for p.i >= len(p.cur.rows) {
		if p.cur.err != nil {
			return connectors.Row{}, p.cur.err
		}
		b, ok := <-p.ch
		if !ok {
			return connectors.Row{}, io.EOF
		}
		p.cur, p.i = b, 0
		if b.err != nil && b.err != io.EOF && len(b.rows) > 0 {
			// Hand over the rows before the break, then the break itself.
			last := b.rows[len(b.rows)-1]
			p.cur.rows = b.rows[:len(b.rows)-1]
			p.cur.err = &brokenAt{row: last, err: b.err}
		}
	}
	p.i++
	if re := p.cur.rowErrs[p.i-1]; re != nil {
		return re.Row, re
	}
	return p.cur.rows[p.i-1], nil
}

// brokenAt carries the row position of a decode error.
type brokenAt struct {
	row connectors.Row
	err error
}

func (b *brokenAt) Error() string { return b.err.Error() }
func (b *brokenAt) Unwrap() error { return b.err }

// Close stops the decoder goroutine and closes the source.
func (p *prefetch) Close() error {
	close(p.stop)
	for range p.ch {
	}
	return p.src.Close()
}
