package lake

import "encoding/binary"

// appendHybrid appends vals in Parquet's RLE / bit-packing hybrid encoding
// at the given bit width: repeats of eight or more become one run (a
// logger's station or a file's lineage is one run per page), the rest is
// bit-packed eight values at a time.
func appendHybrid(dst []byte, vals []int32, width int) []byte {
	n := len(vals)
	litStart, litN := 0, 0
	for i := 0; i < n; {
		v := vals[i]
		j := i + 1
		for j < n && vals[j] == v {
			j++
		}
		r := j - i
		if r >= 8 && litN%8 != 0 {
			// A bit-packed run holds a multiple of eight values: the
			// run lends the literals what they lack.
			pad := 8 - litN%8
			litN += pad
			i += pad
			r -= pad
		}
		if r >= 8 {
			dst = appendPacked(dst, vals[litStart:litStart+litN], width)
			dst = appendRun(dst, v, r, width)
			i = j
			litStart, litN = i, 0
			continue
		}
		litN += r
		i = j
	}
	return appendPacked(dst, vals[litStart:litStart+litN], width)
}

// appendRun appends one RLE run: its length, then the value in whole bytes.
func appendRun(dst []byte, v int32, count, width int) []byte {
	dst = binary.AppendUvarint(dst, uint64(count)<<1)
	for b := 0; b < (width+7)/8; b++ {
		dst = append(dst, byte(v>>(8*b)))
	}
	return dst
}

// appendPacked appends vals as one bit-packed run, least significant bit
// first; the last group of eight is padded with zeros, which readers skip
// by the page's value count.
func appendPacked(dst []byte, vals []int32, width int) []byte {
	if len(vals) == 0 {
		return dst
	}
	groups := (len(vals) + 7) / 8
	dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
	var acc uint64
	bits := 0
	for g := 0; g < groups; g++ {
		for k := g * 8; k < g*8+8; k++ {
			var v uint64
			if k < len(vals) {
				v = uint64(uint32(vals[k]))
			}
			acc |= v << bits
			bits += width
			for bits >= 8 {
				dst = append(dst, byte(acc))
				acc >>= 8
				bits -= 8
			}
		}
	}
	// Eight values of any width fill whole bytes: nothing is left over.
	return dst
}
