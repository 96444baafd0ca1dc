package lake

import (
	"encoding/binary"
	"math"
	"math/bits"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// Parquet's physical types, page types and encodings, as the format's
// Thrift definitions number them.
const (
	ptBoolean   = 0
	ptInt32     = 1
	ptInt64     = 2
	ptDouble    = 5
	ptByteArray = 6

	pageData       = 0
	pageDictionary = 2

	encPlain          = 0
	encRLE            = 3
	encRLEDictionary  = 8
	codecZstd         = 6
	convertedUTF8     = 0
	convertedDecimal  = 5
	convertedDate     = 6
	convertedTSMicros = 10
)

// Page and dictionary bounds. A page is what a reader decompresses at
// once; a dictionary past dictLimit bytes stops paying for itself (a
// column of free text), and the rest of the row group is written plain,
// as parquet-mr and Arrow do.
const (
	pageRows  = 20_000
	pageBytes = 256 << 10
	dictLimit = 1 << 20
)

// zenc compresses every page. EncodeAll may be called from many
// goroutines; the encoder keeps one state per core, whose history buffers
// are megabytes and worth sharing between files.
var zenc, _ = zstd.NewWriter(nil,
	zstd.WithEncoderLevel(zstd.SpeedDefault),
	zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
	zstd.WithZeroFrames(true),
	zstd.WithEncoderCRC(false))

// column encodes one column of a row group: values arrive through add,
// pages are encoded and compressed as they fill, and chunk writes the
// finished column chunk.
type column struct {
	name  string
	typ   Type
	scale int // decimal scale of an Int64 column, or -1

	// The page being filled.
	rows   int     // values in the page, nulls included
	nulls  int     // nulls in the page
	levels []int32 // definition levels: 1 present, 0 null
	plain  []byte  // plain-encoded values
	bools  []int32 // boolean values, packed when the page is written
	idx    []int32 // dictionary indices

	// A page's first value may repeat: a file's lineage columns are one
	// value from its first row to its last. While runOn, the page ends
	// with a value added as any other, then run copies of it kept as a
	// count (runNull, or runS as the caller passed it, runI, runF): a
	// repeat costs a comparison and a count, and a page of one value is
	// written as one run. Another value first spills the copies.
	runOn   bool
	run     int
	runNull bool
	runS    string
	runI    int64
	runF    uint64

	// The dictionary of a string column, for the current row group.
	dict      map[string]int32
	entries   []string
	dictBytes int
	last      string // the last value looked up, and its index
	lastIdx   int32
	hasLast   bool
	fallback  bool // the rest of the row group is plain
	dictPages int  // data pages of the chunk written with the dictionary

	// The chunk: its data pages, header and compressed bytes, in order.
	pages        []byte
	uncompressed int64 // header and uncompressed bytes of the data pages
	values       int64
	chunkNulls   int64
	usedPlain    bool
	usedDict     bool

	// Statistics of the chunk's non-null values.
	seen       bool
	minI, maxI int64
	minF, maxF float64
	minS, maxS string // of plain-written strings; the dictionary's are added at the end

	raw, zbuf []byte
	hdr       compact
}

func newColumn(c Column, scale int) *column {
	col := &column{name: c.Name, typ: c.Type, scale: scale}
	if c.Type == String {
		col.dict = map[string]int32{}
	}
	return col
}

// add appends one value to the page, writing the page out when it is full.
func (c *column) add(v *Value) {
	if c.runOn {
		if c.repeats(v) {
			c.run++
			c.rows++
			if c.runNull {
				c.nulls++
			}
			if c.rows >= pageRows {
				c.page()
			}
			return
		}
		// A long run says the column comes in runs (the lineage of one
		// input after another in a shared file): count the next one too.
		long := c.run >= runAgain
		c.spill()
		if long && c.runnable() {
			c.startRun(v)
		}
	} else if c.rows == 0 && c.runnable() {
		c.startRun(v)
	}
	if v.Null {
		c.levels = append(c.levels, 0)
		c.nulls++
		c.rows++
		c.full()
		return
	}
	switch c.typ {
	case String:
		if !c.fallback {
			if c.hasLast && v.S == c.last {
				c.idx = append(c.idx, c.lastIdx)
				break
			}
			i, ok := c.dict[v.S]
			if !ok && c.dictBytes+len(v.S) <= dictLimit {
				s := string([]byte(v.S)) // the caller may reuse its memory
				i = int32(len(c.entries))
				c.entries = append(c.entries, s)
				c.dict[s] = i
				c.dictBytes += len(s)
				ok = true
			}
			if ok {
				c.last, c.lastIdx, c.hasLast = c.entries[i], i, true
				c.idx = append(c.idx, i)
				break
			}
			// The dictionary is full: the page so far keeps it, the
			// rest of the row group is plain.
			c.page()
			c.fallback = true
		}
		c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(len(v.S)))
		c.plain = append(c.plain, v.S...)
		if !c.seen || v.S < c.minS {
			c.minS = string([]byte(v.S))
		}
		if !c.seen || v.S > c.maxS {
			c.maxS = string([]byte(v.S))
		}
		c.seen = true
	case Int64, Timestamp, Date:
		if c.typ == Date {
			c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(int32(v.I)))
		} else {
			c.plain = binary.LittleEndian.AppendUint64(c.plain, uint64(v.I))
		}
		widen(&c.seen, &c.minI, &c.maxI, v.I)
	case Float64:
		c.plain = binary.LittleEndian.AppendUint64(c.plain, math.Float64bits(v.F))
		if v.F != v.F {
			break // NaN orders nowhere: it stays out of the bounds
		}
		widen(&c.seen, &c.minF, &c.maxF, v.F)
	case Bool:
		b := int32(0)
		if v.I != 0 {
			b = 1
		}
		c.bools = append(c.bools, b)
		widen(&c.seen, &c.minI, &c.maxI, int64(b))
	}
	c.levels = append(c.levels, 1)
	c.rows++
	c.full()
}

// runAgain is the shortest run after which the next value starts a run.
const runAgain = 64

// runnable says whether the column's values may be kept as a run: not
// booleans (rare), not strings written plain.
func (c *column) runnable() bool { return c.typ != Bool && !(c.typ == String && c.fallback) }

// startRun arms a run with its first value, v, about to be added.
func (c *column) startRun(v *Value) {
	c.runOn, c.run, c.runNull = true, 0, v.Null
	c.runS, c.runI, c.runF = v.S, v.I, math.Float64bits(v.F)
}

// repeats reports whether v is the run's value. Strings compare as the
// caller passed them: one repeated string compares by its pointer.
func (c *column) repeats(v *Value) bool {
	switch {
	case c.runNull || v.Null:
		return c.runNull && v.Null
	case c.typ == String:
		return v.S == c.runS
	case c.typ == Float64:
		return math.Float64bits(v.F) == c.runF
	default:
		return v.I == c.runI
	}
}

// spill writes the run's copies into the page as added values, and ends
// the run: the page goes on value by value.
func (c *column) spill() {
	level := int32(1)
	if c.runNull {
		level = 0
	}
	for k := 0; k < c.run; k++ {
		c.levels = append(c.levels, level)
	}
	if !c.runNull {
		switch c.typ {
		case String:
			if len(c.idx) == 0 {
				// The run's first value filled the dictionary: plain.
				for k := 0; k < c.run; k++ {
					c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(len(c.runS)))
					c.plain = append(c.plain, c.runS...)
				}
				break
			}
			i := c.idx[len(c.idx)-1]
			for k := 0; k < c.run; k++ {
				c.idx = append(c.idx, i)
			}
		case Date:
			for k := 0; k < c.run; k++ {
				c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(int32(c.runI)))
			}
		case Float64:
			for k := 0; k < c.run; k++ {
				c.plain = binary.LittleEndian.AppendUint64(c.plain, c.runF)
			}
		default:
			for k := 0; k < c.run; k++ {
				c.plain = binary.LittleEndian.AppendUint64(c.plain, uint64(c.runI))
			}
		}
	}
	c.runOn, c.run, c.runS = false, 0, ""
}

// widen takes v into the bounds lo..hi; seen says whether they hold a value.
func widen[T int64 | float64](seen *bool, lo, hi *T, v T) {
	switch {
	case !*seen:
		*lo, *hi, *seen = v, v, true
	case v < *lo:
		*lo = v
	case v > *hi:
		*hi = v
	}
}

func (c *column) full() {
	if c.rows >= pageRows || len(c.plain) >= pageBytes {
		c.page()
	}
}

// page encodes, compresses and appends the page being filled (a version 1
// data page: definition levels, then the values, compressed together).
func (c *column) page() {
	if c.rows == 0 {
		return
	}
	// A page of one value (or of nulls) is written as runs; any other
	// page has its run's copies spilled first.
	pure := c.runOn && c.run == c.rows-1 && (c.runNull || c.typ == String && len(c.idx) > 0)
	if c.runOn && !pure {
		c.spill()
	}
	raw := append(c.raw[:0], 0, 0, 0, 0)
	switch c.nulls {
	case 0:
		raw = appendRun(raw, 1, c.rows, 1)
	case c.rows:
		raw = appendRun(raw, 0, c.rows, 1)
	default:
		raw = appendHybrid(raw, c.levels, 1)
	}
	binary.LittleEndian.PutUint32(raw, uint32(len(raw)-4))
	enc := int32(encPlain)
	switch {
	case c.typ == String && len(c.idx) > 0:
		enc = encRLEDictionary
		width := max(1, bits.Len32(uint32(len(c.entries)-1)))
		raw = append(raw, byte(width))
		if pure {
			raw = appendRun(raw, c.idx[0], c.rows, width)
		} else {
			raw = appendHybrid(raw, c.idx, width)
		}
		c.usedDict = true
		// A first page whose strings are mostly distinct (free text,
		// identifiers) says the dictionary will not pay for itself: the
		// rest of the row group is plain, as parquet-mr decides too.
		if c.dictPages++; c.dictPages == 1 && len(c.entries) > c.rows/2 && c.rows >= 1000 {
			c.fallback = true
		}
	case c.typ == Bool:
		raw = appendBits(raw, c.bools)
		c.usedPlain = true
	default:
		raw = append(raw, c.plain...)
		c.usedPlain = true
	}
	c.zbuf = zenc.EncodeAll(raw, c.zbuf[:0])
	c.hdr.reset()
	c.hdr.i32(1, pageData)
	c.hdr.i32(2, int32(len(raw)))
	c.hdr.i32(3, int32(len(c.zbuf)))
	c.hdr.structField(5)
	c.hdr.i32(1, int32(c.rows))
	c.hdr.i32(2, enc)
	c.hdr.i32(3, encRLE)
	c.hdr.i32(4, encRLE)
	c.hdr.end()
	c.hdr.end()
	c.pages = append(c.pages, c.hdr.buf...)
	c.pages = append(c.pages, c.zbuf...)
	c.uncompressed += int64(len(c.hdr.buf) + len(raw))
	c.values += int64(c.rows)
	c.chunkNulls += int64(c.nulls)
	c.raw = raw
	c.rows, c.nulls = 0, 0
	c.levels, c.plain, c.bools, c.idx = c.levels[:0], c.plain[:0], c.bools[:0], c.idx[:0]
	c.runOn, c.run, c.runS = false, 0, ""
}

// appendBits bit-packs booleans, least significant bit first (PLAIN).
func appendBits(dst []byte, vals []int32) []byte {
	for k := 0; k < len(vals); k += 8 {
		var b byte
		for j := k; j < k+8 && j < len(vals); j++ {
			b |= byte(vals[j]) << (j - k)
		}
		dst = append(dst, b)
	}
	return dst
}

// chunk is one finished column chunk: the bytes to write and what the
// footer says of them.
type chunk struct {
	dictPage     []byte // header and compressed dictionary, or nil
	dictRaw      int64  // its header and uncompressed bytes
	pages        []byte
	uncompressed int64
	values       int64
	nulls        int64
	encodings    []int32
	min, max     []byte // statistics, nil when every value is null
}

// finish closes the column's chunk for the row group and resets the
// column for the next one. The chunk's slices stay valid until the next
// call of add.
func (c *column) finish() chunk {
	c.page()
	ch := chunk{pages: c.pages, uncompressed: c.uncompressed, values: c.values, nulls: c.chunkNulls}
	// PLAIN is the dictionary page's encoding or the values', RLE the
	// levels'.
	ch.encodings = append(ch.encodings, encPlain, encRLE)
	if c.usedDict {
		ch.encodings = append(ch.encodings, encRLEDictionary)
		var raw []byte
		for _, s := range c.entries {
			raw = binary.LittleEndian.AppendUint32(raw, uint32(len(s)))
			raw = append(raw, s...)
		}
		z := zenc.EncodeAll(raw, nil)
		var h compact
		h.reset()
		h.i32(1, pageDictionary)
		h.i32(2, int32(len(raw)))
		h.i32(3, int32(len(z)))
		h.structField(7)
		h.i32(1, int32(len(c.entries)))
		h.i32(2, encPlain)
		h.end()
		h.end()
		ch.dictPage = append(h.buf, z...)
		ch.dictRaw = int64(len(h.buf) + len(raw))
		for _, s := range c.entries {
			if !c.seen || s < c.minS {
				c.minS = s
			}
			if !c.seen || s > c.maxS {
				c.maxS = s
			}
			c.seen = true
		}
	}
	if c.seen {
		ch.min, ch.max = c.bounds()
	}
	c.reset()
	return ch
}

// reset starts the column afresh for the next row group or file, keeping
// its buffers.
func (c *column) reset() {
	c.rows, c.nulls = 0, 0
	c.runOn, c.run, c.runS = false, 0, ""
	c.levels, c.plain, c.bools, c.idx = c.levels[:0], c.plain[:0], c.bools[:0], c.idx[:0]
	c.pages = c.pages[:0]
	c.uncompressed, c.values, c.chunkNulls = 0, 0, 0
	c.usedPlain, c.usedDict, c.seen, c.fallback, c.hasLast = false, false, false, false, false
	c.last, c.minS, c.maxS = "", "", ""
	clear(c.dict)
	c.entries, c.dictBytes, c.dictPages = c.entries[:0], 0, 0
}

// bounds are the chunk's min and max, plain-encoded.
func (c *column) bounds() (lo, hi []byte) {
	switch c.typ {
	case String:
		return []byte(c.minS), []byte(c.maxS)
	case Date:
		return binary.LittleEndian.AppendUint32(nil, uint32(int32(c.minI))), binary.LittleEndian.AppendUint32(nil, uint32(int32(c.maxI)))
	case Float64:
		// The format's rule for zeros: -0 as the min, +0 as the max.
		lo64, hi64 := c.minF, c.maxF
		if lo64 == 0 {
			lo64 = math.Copysign(0, -1)
		}
		if hi64 == 0 {
			hi64 = 0
		}
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(lo64)), binary.LittleEndian.AppendUint64(nil, math.Float64bits(hi64))
	case Bool:
		return []byte{byte(c.minI)}, []byte{byte(c.maxI)}
	default:
		return binary.LittleEndian.AppendUint64(nil, uint64(c.minI)), binary.LittleEndian.AppendUint64(nil, uint64(c.maxI))
	}
}

// physical is the column's Parquet type.
func (c *column) physical() int32 {
	switch c.typ {
	case String:
		return ptByteArray
	case Float64:
		return ptDouble
	case Date:
		return ptInt32
	case Bool:
		return ptBoolean
	default:
		return ptInt64
	}
}

// schemaElement writes the column's element of the footer's schema: its
// type, OPTIONAL (a missing value is a fact worth keeping), and the
// annotations that make readers see text, dates, instants and decimals.
func (c *column) schemaElement(f *compact) {
	f.begin()
	f.i32(1, c.physical())
	f.i32(3, 1)
	f.str(4, c.name)
	switch {
	case c.typ == String:
		f.i32(6, convertedUTF8)
		f.logical(1) // STRING
	case c.typ == Date:
		f.i32(6, convertedDate)
		f.logical(6) // DATE
	case c.typ == Timestamp:
		f.i32(6, convertedTSMicros)
		f.structField(10)
		f.structField(8)
		f.boolean(1, true) // instants: readers see TIMESTAMPTZ
		f.structField(2)
		f.structField(2) // MICROS
		f.end()
		f.end()
		f.end()
		f.end()
	case c.scale >= 0:
		f.i32(6, convertedDecimal)
		f.i32(7, int32(c.scale))
		f.i32(8, decimalPrecision)
		f.structField(10)
		f.structField(5)
		f.i32(1, int32(c.scale))
		f.i32(2, decimalPrecision)
		f.end()
		f.end()
	}
	f.end()
}

// chunkMeta writes what the footer says of a chunk written at
// [start, end), its data pages from dataStart: a ColumnChunk with its
// ColumnMetaData and statistics.
func (c *column) chunkMeta(g *compact, ch chunk, start, dataStart, end int64) {
	g.begin()
	g.i64(2, start)
	g.structField(3)
	g.i32(1, c.physical())
	g.list(2, ctI32, len(ch.encodings))
	for _, e := range ch.encodings {
		g.elemI32(e)
	}
	g.list(3, ctBinary, 1)
	g.elemStr(c.name)
	g.i32(4, codecZstd)
	g.i64(5, ch.values)
	g.i64(6, ch.dictRaw+ch.uncompressed)
	g.i64(7, end-start)
	g.i64(9, dataStart)
	if ch.dictPage != nil {
		g.i64(11, start)
	}
	g.structField(12)
	g.i64(3, ch.nulls)
	if ch.min != nil {
		g.binary(5, ch.max)
		g.binary(6, ch.min)
	}
	g.end()
	g.end()
	g.end()
}
