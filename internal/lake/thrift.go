package lake

import "encoding/binary"

// compact writes Thrift's compact protocol, the encoding of Parquet's page
// headers and footer. Only what those structures use is here: integers,
// booleans, binary, lists and nested structs.
type compact struct {
	buf  []byte
	last []int16 // the last field id of each open struct
}

// Compact protocol type codes.
const (
	ctTrue   = 1
	ctFalse  = 2
	ctByte   = 3
	ctI32    = 5
	ctI64    = 6
	ctBinary = 8
	ctList   = 9
	ctStruct = 12
)

func (c *compact) reset() {
	c.buf = c.buf[:0]
	c.last = append(c.last[:0], 0)
}

func (c *compact) field(id int16, typ byte) {
	top := len(c.last) - 1
	if d := id - c.last[top]; d > 0 && d <= 15 {
		c.buf = append(c.buf, byte(d)<<4|typ)
	} else {
		c.buf = append(c.buf, typ)
		c.buf = binary.AppendVarint(c.buf, int64(id))
	}
	c.last[top] = id
}

func (c *compact) i32(id int16, v int32) {
	c.field(id, ctI32)
	c.buf = binary.AppendVarint(c.buf, int64(v))
}

func (c *compact) i64(id int16, v int64) {
	c.field(id, ctI64)
	c.buf = binary.AppendVarint(c.buf, v)
}

func (c *compact) i8(id int16, v int8) {
	c.field(id, ctByte)
	c.buf = append(c.buf, byte(v))
}

func (c *compact) boolean(id int16, v bool) {
	if v {
		c.field(id, ctTrue)
	} else {
		c.field(id, ctFalse)
	}
}

func (c *compact) binary(id int16, b []byte) {
	c.field(id, ctBinary)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(b)))
	c.buf = append(c.buf, b...)
}

func (c *compact) str(id int16, s string) {
	c.field(id, ctBinary)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
	c.buf = append(c.buf, s...)
}

// list starts a list field of n elements of type elem; the caller writes
// the elements (begin/end for structs, the element writers below for the
// rest).
func (c *compact) list(id int16, elem byte, n int) {
	c.field(id, ctList)
	if n < 15 {
		c.buf = append(c.buf, byte(n)<<4|elem)
	} else {
		c.buf = append(c.buf, 0xf0|elem)
		c.buf = binary.AppendUvarint(c.buf, uint64(n))
	}
}

// elemI32 and elemStr write list elements.
func (c *compact) elemI32(v int32) { c.buf = binary.AppendVarint(c.buf, int64(v)) }
func (c *compact) elemStr(s string) {
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
	c.buf = append(c.buf, s...)
}

// structField opens a struct-valued field; begin opens a struct that is a
// list element. end closes either.
func (c *compact) structField(id int16) {
	c.field(id, ctStruct)
	c.begin()
}

func (c *compact) begin() { c.last = append(c.last, 0) }

func (c *compact) end() {
	c.buf = append(c.buf, 0)
	c.last = c.last[:len(c.last)-1]
}

// logical writes a schema element's logical type (field 10) when it is a
// member of the union without parameters (STRING, DATE).
func (c *compact) logical(member int16) {
	c.structField(10)
	c.structField(member)
	c.end()
	c.end()
}
