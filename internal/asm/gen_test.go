package asm

import (
	"fmt"
	"math/rand"
	"strings"
)

// gen generates random instructions of every supported form, for the
// differential (nasm), round-trip (x86asm) and benchmark tests.
type gen struct {
	r      *rand.Rand
	labels int // labels L0..L(labels-1) exist in the program
}

var (
	genR8   = []string{"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"}
	genR16  = []string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}
	genR32  = []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
	genSeg  = []string{"es", "cs", "ss", "ds", "fs", "gs"}
	genBase = []string{"bx", "bp", "si", "di", "bx+si", "bx+di", "bp+si", "bp+di", "si+bx", "di+bp", ""}
	genALU  = []string{"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"}
	genSh   = []string{"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"}
	genG3   = []string{"not", "neg", "mul", "imul", "div", "idiv"}
	genCC   = []string{"o", "no", "b", "c", "nae", "ae", "nb", "nc", "e", "z", "ne", "nz", "be", "na", "a", "nbe", "s", "ns", "p", "pe", "np", "po", "l", "nge", "ge", "nl", "le", "ng", "g", "nle"}
	genFix  = []string{"nop", "hlt", "cmc", "clc", "stc", "cli", "sti", "cld", "std", "cbw", "cwd", "cwde", "cdq", "lahf", "sahf", "pushf", "popf", "pushfd", "popfd", "pusha", "popa", "pushad", "popad", "leave", "iret", "int3", "into", "xlatb", "daa", "das", "aaa", "aas", "wait", "aam", "aad", "ret", "retf", "cpuid"}
	genStr  = []string{"movsb", "movsw", "movsd", "cmpsb", "cmpsw", "cmpsd", "stosb", "stosw", "stosd", "lodsb", "lodsw", "lodsd", "scasb", "scasw", "scasd", "insb", "insw", "outsb", "outsw"}
)

// genPrelude and genPostlude define the constants the generated code uses;
// F1 and F300 are defined last, so they are forward references.
const genPrelude = "bits 16\norg 0x100\nN1 equ 1\nN5 equ 5\nNB equ 0x1234\nNN equ -3\n"
const genPostlude = "F1 equ 1\nF3 equ 3\nF300 equ 0x300\n"

func (g *gen) pick(l []string) string { return l[g.r.Intn(len(l))] }

func (g *gen) label() string { return fmt.Sprintf("L%d", g.r.Intn(g.labels)) }

func (g *gen) imm(size int) string {
	c8 := []string{"0", "1", "2", "-1", "-128", "127", "255", "0x7f", "'A'", "N1", "N5", "NN", "F1", "F3", "(3+4)*2", "0b101", "12h", "-2", "100", "-100"}
	if g.r.Intn(8) == 0 {
		e8 := []string{"N5*3+1", "~N1 & 0x7f", "1 << 4", "-N5", "0xff ^ 0x0f", "'a' | 0x20", "(N5+1)/2", "-7//2", "F3 % 2", "F3 %% 2", "(L1-L0)/8"}
		e16 := []string{"(L3-L1)/2", "F300 >> 4", "NB & 0xff00", "L2+4", "$-L0", "NB*2-1", "0x8000 >> 3"}
		if size == 1 {
			return g.pick(e8)
		}
		return g.pick(append(e8, e16...))
	}
	c16 := []string{"128", "-129", "256", "0x7fff", "0x8000", "0xffff", "-32768", "0x1234", "NB", "F300", "'AB'", "0xff80", "0xff7f", "1000", "-1000", "L0", "L1-L0", "$-$$", "0x1000|0x23"}
	c32 := []string{"0x12345678", "0xffffffff", "0x80000000", "-0x80000000", "0xffffff80", "0x10000", "-65536"}
	switch {
	case size == 1 || g.r.Intn(3) == 0:
		if g.r.Intn(3) == 0 {
			return fmt.Sprint(g.r.Intn(256) - 128*g.r.Intn(2))
		}
		return g.pick(c8)
	case size == 2 || g.r.Intn(2) == 0:
		if g.r.Intn(3) == 0 {
			return fmt.Sprint(g.r.Intn(65536) - 32768*g.r.Intn(2))
		}
		return g.pick(c16)
	}
	if g.r.Intn(3) == 0 {
		return fmt.Sprint(int64(g.r.Uint32()) - (1<<31)*int64(g.r.Intn(2)))
	}
	return g.pick(c32)
}

func (g *gen) disp() string {
	switch g.r.Intn(12) {
	case 0:
		return "0"
	case 1:
		return fmt.Sprint(g.r.Intn(128))
	case 2:
		return fmt.Sprint(-g.r.Intn(129))
	case 3:
		return "128"
	case 4:
		return "-129"
	case 5:
		return "0x1234"
	case 6:
		return g.label()
	case 7:
		return "NB"
	case 8:
		return "F3"
	case 9:
		return "0xfff0"
	case 10:
		return g.label() + "-L0"
	}
	return fmt.Sprint(g.r.Intn(65536))
}

// mem returns a memory operand; size is a size keyword or "".
func (g *gen) mem(size string) string {
	var b strings.Builder
	if size != "" {
		b.WriteString(size + " ")
	}
	b.WriteByte('[')
	if g.r.Intn(5) == 0 {
		b.WriteString(g.pick(genSeg) + ":")
	}
	base := g.pick(genBase)
	if g.r.Intn(5) == 0 {
		base = g.ea32()
	}
	b.WriteString(base)
	if base == "" {
		b.WriteString(g.disp())
	} else if g.r.Intn(3) > 0 {
		d := g.disp()
		if !strings.HasPrefix(d, "-") {
			b.WriteByte('+')
		}
		b.WriteString(d)
	}
	b.WriteByte(']')
	return b.String()
}

var sizeKW = map[int]string{1: "byte", 2: "word", 4: "dword"}

func (g *gen) reg(size int) string {
	switch size {
	case 1:
		return g.pick(genR8)
	case 2:
		return g.pick(genR16)
	}
	return g.pick(genR32)
}

// rm returns a register or a sized memory operand.
func (g *gen) rm(size int) string {
	if g.r.Intn(2) == 0 {
		return g.reg(size)
	}
	return g.mem(sizeKW[size])
}

func (g *gen) size() int { return []int{1, 2, 2, 4}[g.r.Intn(4)] }
func (g *gen) wsize() int {
	if g.r.Intn(3) == 0 {
		return 4
	}
	return 2
}

// inst returns one random instruction.
func (g *gen) inst() string {
	switch g.r.Intn(42) {
	case 0, 1, 2, 3, 4:
		op := g.pick(genALU)
		s := g.size()
		switch g.r.Intn(5) {
		case 0:
			return fmt.Sprintf("%s %s, %s", op, g.rm(s), g.reg(s))
		case 1:
			return fmt.Sprintf("%s %s, %s", op, g.reg(s), g.mem(""))
		case 2:
			return fmt.Sprintf("%s %s, %s", op, g.rm(s), g.imm(s))
		case 3:
			return fmt.Sprintf("%s %s, %s", op, []string{"", "al", "ax", "", "eax"}[s], g.imm(s))
		}
		return fmt.Sprintf("%s %s, %s", op, g.mem(""), g.reg(s))
	case 5, 6, 7, 8:
		s := g.size()
		switch g.r.Intn(8) {
		case 0:
			return fmt.Sprintf("mov %s, %s", g.rm(s), g.reg(s))
		case 1:
			return fmt.Sprintf("mov %s, %s", g.reg(s), g.mem(""))
		case 2:
			return fmt.Sprintf("mov %s, %s", g.rm(s), g.imm(s))
		case 3:
			return fmt.Sprintf("mov %s, %s", g.pick([]string{"es", "ss", "ds", "fs", "gs"}), g.rm(2))
		case 4:
			return fmt.Sprintf("mov %s, %s", g.rm(2), g.pick(genSeg))
		case 5:
			return fmt.Sprintf("mov %s, [%s]", []string{"", "al", "ax", "", "eax"}[s], g.disp())
		case 6:
			return fmt.Sprintf("mov [%s], %s", g.disp(), []string{"", "al", "ax", "", "eax"}[s])
		}
		return fmt.Sprintf("mov %s, %s", g.reg(s), g.imm(s))
	case 9, 10:
		s := g.size()
		switch g.r.Intn(3) {
		case 0:
			return fmt.Sprintf("test %s, %s", g.rm(s), g.reg(s))
		case 1:
			return fmt.Sprintf("test %s, %s", g.rm(s), g.imm(s))
		}
		return fmt.Sprintf("xchg %s, %s", g.reg(s), g.rm(s))
	case 11:
		s := g.size()
		return fmt.Sprintf("%s %s", g.pick([]string{"inc", "dec"}), g.rm(s))
	case 12:
		return fmt.Sprintf("%s %s", g.pick(genG3), g.rm(g.size()))
	case 13:
		s := g.wsize()
		switch g.r.Intn(3) {
		case 0:
			return fmt.Sprintf("imul %s, %s", g.reg(s), g.rm(s))
		case 1:
			return fmt.Sprintf("imul %s, %s, %s", g.reg(s), g.rm(s), g.imm(s))
		}
		return fmt.Sprintf("imul %s, %s", g.reg(s), g.imm(s))
	case 14, 15:
		s := g.size()
		c := []string{"1", "cl", fmt.Sprint(g.r.Intn(32)), "N1", "F1", "F3", "N5"}[g.r.Intn(7)]
		return fmt.Sprintf("%s %s, %s", g.pick(genSh), g.rm(s), c)
	case 16, 17:
		switch g.r.Intn(6) {
		case 0:
			return "push " + g.reg(g.wsize())
		case 1:
			return "pop " + g.reg(g.wsize())
		case 2:
			return "push " + g.pick(genSeg)
		case 3:
			return "pop " + g.pick([]string{"es", "ss", "ds", "fs", "gs"})
		case 4:
			return fmt.Sprintf("%s %s", g.pick([]string{"push", "pop"}), g.mem(sizeKW[g.wsize()]))
		}
		if g.r.Intn(3) == 0 {
			return "push dword " + g.imm(4)
		}
		return "push " + g.imm(2)
	case 18:
		op := g.pick([]string{"lea", "lds", "les", "lss", "lfs", "lgs", "bound"})
		s := 2
		if op == "lea" {
			s = g.wsize()
		}
		return fmt.Sprintf("%s %s, %s", op, g.reg(s), g.mem(""))
	case 19:
		switch g.r.Intn(4) {
		case 0:
			return fmt.Sprintf("in %s, %d", g.pick([]string{"al", "ax", "eax"}), g.r.Intn(256))
		case 1:
			return fmt.Sprintf("in %s, dx", g.pick([]string{"al", "ax", "eax"}))
		case 2:
			return fmt.Sprintf("out %d, %s", g.r.Intn(256), g.pick([]string{"al", "ax", "eax"}))
		}
		return fmt.Sprintf("out dx, %s", g.pick([]string{"al", "ax", "eax"}))
	case 20:
		switch g.r.Intn(5) {
		case 0:
			return fmt.Sprintf("int 0x%x", g.r.Intn(256))
		case 1:
			return fmt.Sprintf("%s %d", g.pick([]string{"ret", "retf"}), g.r.Intn(65536))
		case 2:
			return fmt.Sprintf("enter %d, %d", g.r.Intn(65536), g.r.Intn(32))
		case 3:
			return fmt.Sprintf("%s %d", g.pick([]string{"aam", "aad"}), g.r.Intn(256))
		}
		return g.pick(genFix)
	case 21:
		op := g.pick([]string{"movzx", "movsx"})
		if g.r.Intn(2) == 0 {
			return fmt.Sprintf("%s %s, %s", op, g.reg(g.wsize()), g.rm(1))
		}
		return fmt.Sprintf("%s %s, %s", op, g.reg(4), g.rm(2))
	case 22:
		return fmt.Sprintf("set%s %s", g.pick(genCC), g.rm(1))
	case 23:
		op := g.pick([]string{"bt", "bts", "btr", "btc"})
		s := g.wsize()
		if g.r.Intn(2) == 0 {
			return fmt.Sprintf("%s %s, %s", op, g.rm(s), g.reg(s))
		}
		return fmt.Sprintf("%s %s, %d", op, g.rm(s), g.r.Intn(32))
	case 24:
		op := g.pick([]string{"shld", "shrd"})
		s := g.wsize()
		c := "cl"
		if g.r.Intn(2) == 0 {
			c = fmt.Sprint(g.r.Intn(32))
		}
		return fmt.Sprintf("%s %s, %s, %s", op, g.rm(s), g.reg(s), c)
	case 25:
		s := g.wsize()
		return fmt.Sprintf("%s %s, %s", g.pick([]string{"bsf", "bsr"}), g.reg(s), g.rm(s))
	case 26, 27, 28:
		return fmt.Sprintf("j%s %s", g.pick(genCC), g.target())
	case 29, 30:
		switch g.r.Intn(8) {
		case 0:
			return "jmp short $+" + fmt.Sprint(g.r.Intn(100))
		case 1:
			return "call " + g.label()
		case 2:
			return fmt.Sprintf("%s %s", g.pick([]string{"jmp", "call"}), g.rm(2))
		case 3:
			return fmt.Sprintf("%s far %s", g.pick([]string{"jmp", "call"}), g.mem(""))
		case 4:
			return fmt.Sprintf("%s 0x%x:%s", g.pick([]string{"jmp", "call"}), g.r.Intn(65536), g.pick([]string{"0x7c00", g.label(), "NB"}))
		case 5:
			return "jmp near " + g.label()
		}
		return "jmp " + g.target()
	case 31:
		t := fmt.Sprintf("$%+d", g.r.Intn(200)-100)
		return fmt.Sprintf("%s %s", g.pick([]string{"loop", "loope", "loopz", "loopne", "loopnz", "jcxz", "jecxz"}), t)
	case 32, 33:
		p := g.pick([]string{"", "", "rep ", "repe ", "repne ", "es ", "cs ", "fs "})
		return p + g.pick(genStr)
	case 34:
		return fmt.Sprintf("%s %s", g.pick([]string{"xchg", "test"}), g.rm(1)+", "+g.reg(1))
	case 35:
		return fmt.Sprintf("mov %s, %s", g.reg(1), g.rm(1))
	case 36:
		return g.data()
	case 37:
		if g.r.Intn(2) == 0 {
			return fmt.Sprintf("times %d %s", g.r.Intn(4), g.pick([]string{"nop", "jmp $", "db 1, 2", "dw $", "movsb", "push ax", "add ax, 5"}))
		}
		return fmt.Sprintf("%s word %s", g.pick([]string{"jmp", "call"}), g.label())
	case 38:
		s := g.size()
		return fmt.Sprintf("lock %s %s, %s", g.pick(genALU), g.mem(sizeKW[s]), g.reg(s))
	case 39:
		m := g.mem("")
		if strings.Contains(m, ":") {
			m = "[bx+si+2]"
		}
		return fmt.Sprintf("%s mov %s, %s", g.pick(genSeg), g.reg(g.size()), m)
	}
	return fmt.Sprintf("mov %s, %s", g.reg(2), g.rm(2))
}

func (g *gen) target() string {
	switch g.r.Intn(4) {
	case 0:
		return "short $+" + fmt.Sprint(g.r.Intn(100))
	case 1:
		return "near " + g.label()
	}
	return g.label()
}

// program returns a source of n random instructions with labels sprinkled
// in, and the instructions alone (line i+1 of the source is not instr[i]).
func (g *gen) program(n int) (string, []string) {
	g.labels = n/20 + 1
	var b strings.Builder
	b.WriteString(genPrelude)
	var ins []string
	lab := 0
	for i := 0; i < n; i++ {
		if i%20 == 0 {
			fmt.Fprintf(&b, "L%d:\n", lab)
			lab++
		}
		s := g.inst()
		ins = append(ins, s)
		b.WriteString(s)
		b.WriteByte('\n')
	}
	for ; lab < g.labels; lab++ {
		fmt.Fprintf(&b, "L%d:\n", lab)
	}
	b.WriteString(genPostlude)
	return b.String(), ins
}

// data returns a db/dw/dd line mixing numbers, characters, strings and
// expressions.
func (g *gen) data() string {
	w := g.pick([]string{"db", "dw", "dd"})
	size := map[string]int{"db": 1, "dw": 2, "dd": 4}[w]
	n := 1 + g.r.Intn(4)
	var items []string
	for i := 0; i < n; i++ {
		switch g.r.Intn(4) {
		case 0:
			items = append(items, g.pick([]string{"'hello'", `"a,b;c"`, "`x\\n\\t\\0`", "'ab'", "'abc'", `"x"`}))
		case 1:
			if size > 1 {
				items = append(items, g.pick([]string{"L0", "L1+2", "$", "$$", "L2-L1", "$-$$"}))
				break
			}
			fallthrough
		default:
			items = append(items, g.imm(size))
		}
	}
	return w + " " + strings.Join(items, ", ")
}

// ea32 returns the registers of a 32-bit effective address.
func (g *gen) ea32() string {
	r := func() string { return g.pick(genR32) }
	idx := func() string { return g.pick([]string{"eax", "ecx", "edx", "ebx", "ebp", "esi", "edi"}) }
	switch g.r.Intn(7) {
	case 0:
		return r()
	case 1:
		return r() + "+" + idx()
	case 2:
		return r() + "+" + idx() + "*" + g.pick([]string{"1", "2", "4", "8"})
	case 3:
		return idx() + "*" + g.pick([]string{"1", "2", "3", "4", "5", "8", "9"})
	case 4:
		return g.pick([]string{"2", "4", "8"}) + "*" + idx() + "+" + r()
	case 5:
		return idx() + "*1+" + r()
	}
	return idx() + "+esp"
}
