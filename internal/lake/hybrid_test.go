package lake

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// decodeHybrid reads n values of the RLE / bit-packing hybrid encoding as
// the format defines it, independently of the encoder.
func decodeHybrid(t *testing.T, b []byte, width, n int) []int32 {
	t.Helper()
	var out []int32
	for len(out) < n {
		h, k := binary.Uvarint(b)
		if k <= 0 {
			t.Fatalf("bad run header after %d values", len(out))
		}
		b = b[k:]
		if h&1 == 0 {
			count := int(h >> 1)
			var v int32
			nb := (width + 7) / 8
			for i := 0; i < nb; i++ {
				v |= int32(b[i]) << (8 * i)
			}
			b = b[nb:]
			for i := 0; i < count; i++ {
				out = append(out, v)
			}
			continue
		}
		groups := int(h >> 1)
		bitPos := 0
		for i := 0; i < groups*8; i++ {
			var v int32
			for j := 0; j < width; j++ {
				if b[(bitPos+j)/8]>>((bitPos+j)%8)&1 == 1 {
					v |= 1 << j
				}
			}
			bitPos += width
			out = append(out, v)
		}
		b = b[groups*width:]
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes left after %d values", len(b), n)
	}
	return out[:n]
}

func TestHybridEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string]func(n, width int) []int32{
		"constant": func(n, _ int) []int32 { return slices.Repeat([]int32{1}, n) },
		"cycling": func(n, width int) []int32 {
			out := make([]int32, n)
			for i := range out {
				out[i] = int32(i % (1 << width))
			}
			return out
		},
		"runs of 1 to 20": func(n, width int) []int32 {
			var out []int32
			for len(out) < n {
				v := rng.Int32N(1 << width)
				for r := rng.IntN(20) + 1; r > 0 && len(out) < n; r-- {
					out = append(out, v)
				}
			}
			return out
		},
		"random": func(n, width int) []int32 {
			out := make([]int32, n)
			for i := range out {
				out[i] = rng.Int32N(1 << width)
			}
			return out
		},
		"literals then a run of 8": func(n, width int) []int32 {
			out := make([]int32, n)
			for i := range out {
				if i%13 < 5 {
					out[i] = int32(i % 2)
				}
			}
			return out
		},
	}
	for name, gen := range cases {
		for _, width := range []int{1, 2, 7, 8, 9, 16, 20, 30} {
			for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 20_000} {
				vals := gen(n, width)
				got := decodeHybrid(t, appendHybrid(nil, vals, width), width, n)
				if !slices.Equal(got, vals) {
					t.Fatalf("%s, width %d, %d values: decoded differently", name, width, n)
				}
			}
		}
	}
}

func TestHybridRunsStayShort(t *testing.T) {
	// A page of one value, the common case of a lineage column, is one run.
	b := appendHybrid(nil, slices.Repeat([]int32{3}, 20_000), 2)
	if len(b) != 4 {
		t.Errorf("20,000 equal values take %d bytes, want 4 (one run)", len(b))
	}
}
