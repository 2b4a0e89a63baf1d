package optimize

import "strings"

// flags is a set of the arithmetic flags.
type flags uint8

const (
	flagC flags = 1 << iota // carry
	flagP                   // parity
	flagA                   // auxiliary carry
	flagZ                   // zero
	flagS                   // sign
	flagO                   // overflow

	allFlags = flagC | flagP | flagA | flagZ | flagS | flagO
)

// effect is what an instruction does to the flags: those it reads and
// those it always sets (a flag it leaves undefined is not set).
type effect struct{ reads, writes flags }

// effects are the instructions the flag analysis follows: straight-line
// instructions, by mnemonic (Intel SDM vol. 1 appendix A, vol. 2). Those
// that write no flag are there with the zero effect. Anything else —
// jumps, calls, returns, interrupts, loops, setcc — ends the analysis.
var effects = map[string]effect{
	"add": {0, allFlags}, "sub": {0, allFlags}, "cmp": {0, allFlags}, "neg": {0, allFlags},
	"cmpsb": {0, allFlags}, "cmpsw": {0, allFlags}, "cmpsd": {0, allFlags},
	"scasb": {0, allFlags}, "scasw": {0, allFlags}, "scasd": {0, allFlags},
	"adc": {flagC, allFlags}, "sbb": {flagC, allFlags},
	"inc": {0, allFlags &^ flagC}, "dec": {0, allFlags &^ flagC},
	"and": {0, allFlags &^ flagA}, "or": {0, allFlags &^ flagA}, "xor": {0, allFlags &^ flagA}, "test": {0, allFlags &^ flagA},
	"clc": {0, flagC}, "stc": {0, flagC}, "cmc": {flagC, flagC},
	"mul": {0, flagC | flagO}, "imul": {0, flagC | flagO}, "div": {}, "idiv": {},
	"sahf": {0, allFlags &^ flagO}, "lahf": {allFlags &^ flagO, 0},
	"pushf": {allFlags, 0}, "pushfd": {allFlags, 0}, "popf": {0, allFlags}, "popfd": {0, allFlags},
	"daa": {flagA | flagC, allFlags &^ flagO}, "das": {flagA | flagC, allFlags &^ flagO},
	"aaa": {flagA, flagA | flagC}, "aas": {flagA, flagA | flagC},
	"aam": {0, flagS | flagZ | flagP}, "aad": {0, flagS | flagZ | flagP},
	"bt": {0, flagC}, "bts": {0, flagC}, "btr": {0, flagC}, "btc": {0, flagC},

	"mov": {}, "movzx": {}, "movsx": {}, "lea": {}, "xchg": {}, "push": {}, "pop": {},
	"pusha": {}, "popa": {}, "pushad": {}, "popad": {}, "lds": {}, "les": {}, "xlat": {}, "xlatb": {},
	"lodsb": {}, "lodsw": {}, "lodsd": {}, "stosb": {}, "stosw": {}, "stosd": {}, "movsb": {}, "movsw": {}, "movsd": {},
	"cbw": {}, "cwd": {}, "cwde": {}, "cdq": {}, "not": {}, "nop": {},
	"cld": {}, "std": {}, "cli": {}, "sti": {}, "in": {}, "out": {}, "enter": {}, "leave": {},
}

// shifts set CF, SF, ZF and PF (OF only for a count of 1, AF undefined)
// when the count is an immediate; a count in CL may be 0, which changes
// no flag. Rotates set CF alone; rcl and rcr read it too.
var shifts = map[string]effect{
	"shl": {0, flagC | flagS | flagZ | flagP}, "sal": {0, flagC | flagS | flagZ | flagP},
	"shr": {0, flagC | flagS | flagZ | flagP}, "sar": {0, flagC | flagS | flagZ | flagP},
	"rol": {0, flagC}, "ror": {0, flagC}, "rcl": {flagC, flagC}, "rcr": {flagC, flagC},
}

// effectOf returns what the instruction on l does to the flags, and false
// for one the analysis does not follow.
func effectOf(l asmLine) (effect, bool) {
	op := l.op
	if rep, ins, ok := strings.Cut(op, " "); ok {
		// With a repeat prefix, a string instruction runs CX times, maybe
		// none: it may write the flags, so it counts as writing none.
		if _, known := effects[ins]; !known || rep == "lock" {
			return effect{}, false
		}
		return effect{}, true
	}
	if e, ok := shifts[op]; ok {
		if len(l.args) == 2 && strings.EqualFold(strings.TrimSpace(l.args[1]), "cl") {
			e.writes = 0
		}
		return e, true
	}
	e, ok := effects[op]
	return e, ok
}

// interfaceFlags are the flags a value may pass in across pxOS's
// interfaces: a handler returns CF, a routine ZF and CF (str_compare,
// parse_dec), a BIOS call takes none; none passes one in AF
// (pxos-v1.0/README.md, "Calling convention"). Where the analysis stops
// following a path (a return, a call, an interrupt, a jump out of the
// source) it takes these as read.
const interfaceFlags = allFlags &^ flagA

// conditions are the flags each conditional jump reads, and for loope and
// loopne the ZF they test besides CX (loop and jcxz read none).
var conditions = map[string]flags{
	"jo": flagO, "jno": flagO, "js": flagS, "jns": flagS,
	"jb": flagC, "jc": flagC, "jnae": flagC, "jnb": flagC, "jnc": flagC, "jae": flagC,
	"je": flagZ, "jz": flagZ, "jne": flagZ, "jnz": flagZ,
	"jbe": flagC | flagZ, "jna": flagC | flagZ, "ja": flagC | flagZ, "jnbe": flagC | flagZ,
	"jp": flagP, "jpe": flagP, "jnp": flagP, "jpo": flagP,
	"jl": flagS | flagO, "jnge": flagS | flagO, "jge": flagS | flagO, "jnl": flagS | flagO,
	"jle": flagZ | flagS | flagO, "jng": flagZ | flagS | flagO, "jg": flagZ | flagS | flagO, "jnle": flagZ | flagS | flagO,
	"loop": 0, "jcxz": 0, "jecxz": 0, "loope": flagZ, "loopz": flagZ, "loopne": flagZ, "loopnz": flagZ,
}

// unread reports whether the flags in mask, as the instruction on line i
// leaves them, are unread: on every path from it, each is written again
// before an instruction reads it. The paths follow fall-through, and
// jumps and conditional jumps to labels of the source (a loop is followed
// once). A path that leaves the source's straight code (see
// interfaceFlags) reads the interface flags; an instruction the analysis
// does not know, or data, reads them all.
func (p *program) unread(i int, mask flags) bool {
	labels := p.labelLines()
	seen := map[int]flags{}
	var walk func(j int, mask flags) bool
	walk = func(j int, mask flags) bool {
		for ; j < len(p.lines); j++ {
			if mask == 0 || seen[j]&mask == mask {
				// Nothing left to read, or this line was (or is being)
				// followed with these flags pending already.
				return true
			}
			seen[j] |= mask
			l := p.lines[j]
			if l.op == "" {
				continue // a blank line, a comment or labels alone: falls through
			}
			if cond, ok := conditions[l.op]; ok || l.op == "jmp" {
				if cond&mask != 0 {
					return false
				}
				to, ok := p.target(j, l, labels)
				switch {
				case !ok && mask&interfaceFlags != 0:
					return false // out of the source, where they may be read
				case !ok && l.op == "jmp":
					return true
				case l.op == "jmp":
					j = to - 1
				case ok && !walk(to, mask):
					return false
				}
				continue
			}
			e, ok := effectOf(l)
			if !ok {
				if boundaries[l.op] {
					return mask&interfaceFlags == 0
				}
				return false
			}
			if e.reads&mask != 0 {
				return false
			}
			mask &^= e.writes
		}
		return mask&interfaceFlags == 0 // the end of the source
	}
	return walk(i+1, mask)
}

// boundaries are the instructions after which the analysis follows no
// path: returns, calls, interrupts.
var boundaries = map[string]bool{"ret": true, "retn": true, "retf": true, "iret": true, "call": true, "int": true, "into": true, "int3": true, "hlt": true}

// labelLines maps the full name of each label of the source (a local one
// under its global label) to its line.
func (p *program) labelLines() map[string]int {
	out := map[string]int{}
	scope := ""
	for i, l := range p.lines {
		for _, lb := range l.labels {
			if strings.HasPrefix(lb, ".") {
				lb = scope + lb
			} else {
				scope = lb
			}
			out[lb] = i
		}
	}
	return out
}

// target returns the line a jump on line j goes to, when it names a label
// of the source.
func (p *program) target(j int, l asmLine, labels map[string]int) (int, bool) {
	name, ok := jumpLabel(l)
	if !ok {
		return 0, false
	}
	if strings.HasPrefix(name, ".") {
		name = p.scope(j) + name
	}
	to, ok := labels[name]
	return to, ok
}

// jumpLabel returns the label a jump names ("jmp short .x": .x), or false
// for an indirect or far jump.
func jumpLabel(l asmLine) (string, bool) {
	if len(l.args) != 1 {
		return "", false
	}
	f := strings.Fields(l.args[0])
	if len(f) == 2 && (strings.EqualFold(f[0], "short") || strings.EqualFold(f[0], "near")) {
		f = f[1:]
	}
	if len(f) != 1 || !labelRE.MatchString(f[0]+":") {
		return "", false
	}
	return f[0], true
}
