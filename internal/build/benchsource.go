package build

import (
	"fmt"
	"strings"
)

// BenchLines is the size of the benchmark input: one WRITE per byte
// from 0x7C00, each with an inline COMMENT.
const BenchLines = 32768

// BenchSource generates the benchmark input. It lives outside the test files
// because the benchmarks of package build and of cmd/pxos (the whole process)
// share it.
func BenchSource() []byte {
	var b strings.Builder
	b.Grow(BenchLines * 48)
	for i := 0; i < BenchLines; i++ {
		a := LoadBase + i
		v := i * 7 & 0xFF
		if s := sigByte(uint32(a)); s >= 0 {
			v = s
		}
		fmt.Fprintf(&b, "WRITE 0x%04X 0x%02X    COMMENT byte %d of the benchmark\n", a, v, i)
	}
	return []byte(b.String())
}
