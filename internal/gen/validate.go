package gen

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// File names that positioned errors use for the parts of an answer.
const (
	AnswerAsm      = "answer.asm"
	AnswerScenario = "answer.scenario"
	AnswerPrims    = "answer.primitives"
)

// MissingError is Validate's error for a candidate that needs features the
// build lacks: the build's fault, not the answer's. A caller that can
// install them (the build loop, from verified solutions) does so and
// validates the same candidate again; see Request.Prepare.
type MissingError struct {
	Feature  string   // the candidate's name
	Required []string // the features it needs that the build lacks, in order
	Size     uint32   // the candidate's bytes, as assembled on the build without them
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s needs the feature %s, which this build does not have: add it first", e.Feature, strings.Join(e.Required, ", "))
}

// checkCommands makes sure the feature provides each command word the goal
// names: as a command table entry, or, for a line handler, as a line its
// own scenario types (a handler may read the word itself). A feature that
// adds "banana" is no 'time' command, however well banana works.
func checkCommands(inst *feature.Installation, want []string, scen []byte) error {
	if len(want) == 0 {
		return nil
	}
	words := feature.CommandWords(inst)
	_, line := inst.Spec.Hooks["hook_line"]
	var typed map[string]bool
	if line {
		typed = typedWords(scen)
	}
	for _, w := range want {
		if slices.Contains(words, w) || typed[w] {
			continue
		}
		adds := "no command"
		if len(words) > 0 {
			adds = "the command " + strings.Join(words, ", ")
		}
		return fmt.Errorf("the goal asks for the command %q, but your feature adds %s: add a command table entry whose word is exactly %q (taking cmd_head)", w, adds, w)
	}
	return nil
}

// typedWords returns the first word of every line a scenario types.
func typedWords(src []byte) map[string]bool {
	sc, err := scenario.Parse(AnswerScenario, src)
	if err != nil {
		return nil
	}
	var text strings.Builder
	for _, st := range sc.Steps {
		switch {
		case st.Op == scenario.OpType:
			text.WriteString(st.Text)
		case st.Op == scenario.OpKey && len(st.Keys) > 0 && st.Keys[0].Name == "enter":
			text.WriteString("\n")
		}
	}
	out := map[string]bool{}
	for _, l := range strings.Split(text.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out[f[0]] = true
		}
	}
	return out
}

// ParserFeature is the feature that dispatches commands: a feature that
// adds a command entry (takes cmd_head) needs it unless the build already
// has another line handler (pxos-v1.0/README.md: "Commands run only when
// the command_parser feature is installed").
const ParserFeature = "command_parser"

// Requires is what a candidate with these hooks and declared requirements
// needs installed first on base: the declared names, and ParserFeature for
// a command when the build has no line handler or has the parser already.
func Requires(base *feature.Base, hooks map[string]string, declared []string, name string) []string {
	var out []string
	seen := map[string]bool{name: true}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, r := range declared {
		if n := CleanName(r); n != "" {
			add(n)
		}
	}
	if _, ok := hooks["cmd_head"]; ok && (base.Present(ParserFeature) || !lineHandled(base)) {
		add(ParserFeature)
	}
	return out
}

// lineHandled reports whether some feature took hook_line in base (the slot
// no longer holds the base's no_handler).
func lineHandled(base *feature.Base) bool {
	syms := base.Image.Program.Symbols
	slot, ok1 := syms["hook_line"]
	def, ok2 := syms["no_handler"]
	return ok1 && ok2 && uint32(base.Image.Word(slot.Value)) != def.Value
}

// Validate turns a candidate into an installation on base and checks it. The
// error quotes exactly what is wrong, positioned in the answer where it can
// be, so it can go back to the model as a repair prompt. A candidate that
// needs features base lacks gets a *MissingError; a verified solution whose
// name is installed wraps feature.ErrInstalled.
//
// The feature's name is the candidate's (cleaned), else its first command
// word, else one drawn from the goal (GoalName); a name an installed feature
// has, or a verified solution for another goal has (req.Reserved), gets a
// suffix (_2, _3), except for a verified solution, which keeps its name so
// that it is never installed twice.
func Validate(base *feature.Base, req *Request, c *Candidate) (*Result, error) {
	goal := req.Goal
	if goal == "" {
		goal = req.Feature
	}
	name := CleanName(c.Name)
	if name == "" {
		name = CleanName(req.Name)
	}
	named := name != ""
	if !named {
		name = GoalName(goal)
	}
	spec := &feature.Spec{
		Name:         name,
		Goal:         goal,
		Keywords:     c.Keywords,
		Aliases:      c.Aliases,
		Hooks:        c.Hooks,
		Source:       []byte(c.Source),
		SourceFile:   AnswerAsm,
		Scenario:     []byte(c.Scenario),
		ScenarioFile: AnswerScenario,
	}
	var starts map[uint32]bool // primitives: addresses where the model says an instruction starts
	addr := req.Addr
	if req.Format == FormatPrimitives {
		src, at, st, err := primitivesSource(c.Primitives)
		if err != nil {
			return nil, err
		}
		spec.Source, spec.SourceFile, starts = src, AnswerPrims, st
		if addr != 0 && addr != at {
			return nil, fmt.Errorf("the primitives start at 0x%04X, but the feature must start at 0x%04X", at, addr)
		}
		addr = at
	}
	if strings.TrimSpace(string(spec.Source)) == "" {
		return nil, errors.New(`the answer has no assembly; if the goal cannot be done within the pxOS API, say so in "infeasible" with the reason`)
	}
	if !c.Verified && req.Format != FormatPrimitives {
		if err := checkDirectives(spec.Source); err != nil {
			return nil, err
		}
	}
	if len(spec.Hooks) == 0 {
		return nil, fmt.Errorf("the answer installs no hook: \"hooks\" must name at least one slot (%s) and the label of its handler", strings.Join(feature.Slots, ", "))
	}
	if strings.TrimSpace(c.Scenario) == "" {
		return nil, errors.New("the answer has no acceptance scenario")
	}
	if _, err := scenario.Parse(AnswerScenario, spec.Scenario); err != nil {
		return nil, err
	}
	if c.Verified && base.Present(name) {
		return nil, &feature.InstalledError{Name: name, Detail: fmt.Sprintf("the verified solution of network record #%d, proven for %q", c.SolutionID, c.SolutionGoal)}
	}
	spec.Requires = Requires(base, spec.Hooks, c.Requires, name)
	if !c.Verified {
		spec.Name = uniqueName(base, name, req.Reserved)
	}
	// Installed before the requirements are checked: what the answer adds
	// (its command words) is judged before anything is installed for it.
	inst, err := base.Install(spec, addr)
	if err != nil && req.AddrSoft && addr != 0 {
		// The plan's hint, not the answer's choice: place it anywhere.
		addr = 0
		inst, err = base.Install(spec, addr)
	}
	if err != nil {
		return nil, err
	}
	if !named && !c.Verified {
		// A command names its feature: "time", not words of the goal.
		if words := feature.CommandWords(inst); len(words) > 0 {
			if n := uniqueName(base, CleanName(words[0]), req.Reserved); n != "" && n != spec.Name {
				spec.Name = n
				if inst, err = base.Install(spec, addr); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := checkCommands(inst, req.Commands, spec.Scenario); err != nil {
		return nil, err
	}
	var missing []string
	for _, r := range spec.Requires {
		if !base.Present(r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{Feature: spec.Name, Required: missing, Size: inst.End - inst.Addr}
	}
	var errs diag.ErrorList
	code := checkCode(inst, starts, &errs)
	checkChains(inst, code, &errs)
	checkIdle(inst, code, base, &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &Result{Install: inst, Spec: spec, Block: inst.Block}, nil
}

var directiveRE = regexp.MustCompile(`(?i)^\s*%\s*(define|xdefine|assign|macro|include|undef)\b`)

// checkDirectives refuses the preprocessor directives the answer rules
// forbid (the system prompt says so): they would let an answer rename pxOS's
// routines under pxos's own checks.
func checkDirectives(src []byte) error {
	var errs diag.ErrorList
	for i, line := range strings.Split(string(src), "\n") {
		if m := directiveRE.FindStringSubmatch(line); m != nil {
			errs.Add(diag.Pos{File: AnswerAsm, Line: i + 1}, line, "%%%s is not allowed in an answer: write the value, or a label, where you need it", strings.ToLower(m[1]))
		}
	}
	return errs.Err()
}

// checkCode decodes every instruction of the block: each must be one whole
// x86 instruction, and each relative branch must land on an instruction of
// the block or on known code of the base.
func checkCode(inst *feature.Installation, starts map[uint32]bool, errs *diag.ErrorList) []decoded {
	res := inst.Result
	known := knownTargets(inst)
	type item struct {
		addr  uint32
		bytes []byte
		pos   diag.Pos
		text  string
	}
	var items []item
	if starts != nil {
		return walkCode(inst, starts, known, errs)
	} else {
		for _, l := range res.Lines {
			if len(l.Bytes) == 0 || l.Data {
				continue
			}
			items = append(items, item{l.Addr, l.Bytes, l.Pos, l.Text})
		}
	}
	for _, it := range items {
		known[it.addr] = true
	}
	var code []decoded
	for _, it := range items {
		in, err := x86asm.Decode(it.bytes, 16)
		// x86asm returns Op 0 without an error for a truncated instruction.
		if err != nil || in.Op == 0 || in.Len != len(it.bytes) {
			errs.Add(it.pos, it.text, "bytes % X at 0x%04X do not decode as one x86 instruction", it.bytes, it.addr)
			continue
		}
		code = append(code, decoded{it.addr, in})
		if target, ok := (decoded{it.addr, in}).target(); ok {
			if !known[target] {
				errs.Add(it.pos, it.text, "%s at 0x%04X goes to 0x%04X, which is neither an instruction of this feature nor known pxOS code (a routine, a label or prev_<slot>)", strings.ToLower(in.Op.String()), it.addr, target)
			}
		}
	}
	return code
}

// walkCode checks primitives, which carry no source lines: it follows the
// code from every entry point — each hook handler, each command entry's
// handler word, each address the model marked as an instruction — through
// fall-through and branches inside the block. Every instruction reached must
// decode, and every branch out of the block must land on known code.
func walkCode(inst *feature.Installation, starts map[uint32]bool, known map[uint32]bool, errs *diag.ErrorList) []decoded {
	res := inst.Result
	in := func(a uint32) bool { return a >= inst.Addr && a < inst.End }
	var work []uint32
	for a := range starts {
		work = append(work, a)
	}
	for _, h := range inst.Hooks {
		a := uint32(res.Symbols[h.Handler])
		if h.Slot == "cmd_head" {
			if o := a + 4 - inst.Addr; in(a + 5) {
				work = append(work, uint32(res.Bytes[o])|uint32(res.Bytes[o+1])<<8) // the entry's handler word
			}
			continue
		}
		work = append(work, a)
	}
	sort.Slice(work, func(i, j int) bool { return work[i] < work[j] })
	pos := diag.Pos{File: AnswerPrims}
	seen := map[uint32]bool{}
	var code []decoded
	for len(work) > 0 {
		a := work[len(work)-1]
		work = work[:len(work)-1]
		for !seen[a] {
			if !in(a) {
				if !known[a] {
					errs.Add(pos, "", "code runs to 0x%04X, outside the feature and not known pxOS code", a)
				}
				break
			}
			seen[a] = true
			d, err := x86asm.Decode(res.Bytes[a-inst.Addr:], 16)
			if err != nil || d.Op == 0 {
				n := min(4, int(inst.End-a))
				errs.Add(pos, "", "bytes % X at 0x%04X do not decode as an x86 instruction (reached from an entry point)", res.Bytes[a-inst.Addr:a-inst.Addr+uint32(n)], a)
				break
			}
			dc := decoded{a, d}
			code = append(code, dc)
			if t, ok := dc.target(); ok {
				if in(t) {
					work = append(work, t)
				} else if !known[t] {
					errs.Add(pos, "", "%s at 0x%04X goes to 0x%04X, which is neither code of this feature nor known pxOS code (a routine, a label or prev_<slot>)", strings.ToLower(d.Op.String()), a, t)
				}
			}
			if endsPath(d.Op) {
				break
			}
			a += uint32(d.Len)
		}
	}
	return code
}

// endsPath reports whether execution never falls through op.
func endsPath(op x86asm.Op) bool {
	switch op {
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.JMP, x86asm.LJMP:
		return true
	}
	return false
}

// decoded is one instruction of the block.
type decoded struct {
	addr uint32
	inst x86asm.Inst
}

// target returns where a relative branch goes, if d is one.
func (d decoded) target() (uint32, bool) {
	for _, a := range d.inst.Args {
		if rel, ok := a.(x86asm.Rel); ok {
			return uint32(uint16(int32(d.addr) + int32(d.inst.Len) + int32(rel))), true
		}
	}
	return 0, false
}

// knownTargets are the addresses outside the block a branch may go to: the
// base's labels (routines and handlers) and each slot's previous handler.
func knownTargets(inst *feature.Installation) map[uint32]bool {
	known := make(map[uint32]bool)
	for _, v := range inst.Base.Symbols() {
		if v >= 0x7C00 && v < 0x10000 {
			known[uint32(v)] = true
		}
	}
	for _, h := range inst.Hooks {
		if h.Old != 0 {
			known[uint32(h.Old)] = true
		}
	}
	return known
}

// checkChains makes sure the feature keeps each hook chain: a handler must
// be able to reach the slot's previous handler, and a command entry's next
// pointer must be the previous cmd_head. A hook_prompt handler is free not
// to: it prints the prompt, and may replace the one before it (ret) as well
// as add to it (jmp prev_hook_prompt).
func checkChains(inst *feature.Installation, code []decoded, errs *diag.ErrorList) {
	res := inst.Result
	for _, h := range inst.Hooks {
		handler := uint32(res.Symbols[h.Handler])
		pos := diag.Pos{File: inst.Spec.SourceFile}
		for _, l := range res.Labels {
			if l.Name == h.Handler {
				pos = l.Pos
			}
		}
		if h.Slot == "cmd_head" {
			// The feature's entries may link to each other (two commands
			// through one slot); the first next pointer that leaves the
			// block must be the previous cmd_head.
			in := func(a uint32) bool { return a >= inst.Addr && a+2 <= inst.End }
			if !in(handler) {
				errs.Add(pos, "", "the command entry %s is not inside the feature", h.Handler)
				continue
			}
			a, seen := handler, map[uint32]bool{}
			next := uint16(0)
			for in(a) && !seen[a] {
				seen[a] = true
				next = uint16(res.Bytes[a-inst.Addr]) | uint16(res.Bytes[a-inst.Addr+1])<<8
				a = uint32(next)
			}
			switch {
			case in(a):
				errs.Add(pos, "", "the command entries from %s link in a loop: the last entry's next word must be prev_cmd_head", h.Handler)
			case next != h.Old:
				errs.Add(pos, "", "the command entries from %s must end with dw prev_cmd_head (0x%04X), the previous first entry, but the last next word is 0x%04X: it would cut the other commands off the list", h.Handler, h.Old, next)
			}
			continue
		}
		if h.Slot == "hook_prompt" {
			continue
		}
		if !reaches(code, uint32(h.Old)) {
			errs.Add(pos, "", "the %s handler %s never jumps to %s%s (0x%04X): a handler that does not handle an event must end with jmp %s%s so the handlers installed before it keep working",
				h.Slot, h.Handler, feature.PrevPrefix, h.Slot, h.Old, feature.PrevPrefix, h.Slot)
		}
	}
}

// checkIdle refuses a hook_idle handler that waits for a key: one that
// calls read_key, or int 16h with AH=00h/10h, in the code it reaches (the
// handler's instructions and those it branches or calls to inside the
// block). The shell calls it while it waits for a key itself, so such a
// handler eats the user's keys or never returns.
func checkIdle(inst *feature.Installation, code []decoded, base *feature.Base, errs *diag.ErrorList) {
	handler, ok := inst.Spec.Hooks["hook_idle"]
	if !ok {
		return
	}
	at := map[uint32]int{}
	for i, d := range code {
		at[d.addr] = i
	}
	readKey, hasReadKey := base.Image.Program.Symbols["read_key"]
	seen := map[int]bool{}
	todo := []uint32{uint32(inst.Result.Symbols[handler])}
	for len(todo) > 0 {
		a := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		i, ok := at[a]
		for ok && !seen[i] {
			seen[i] = true
			d := code[i]
			t, branch := d.target()
			switch {
			case branch && hasReadKey && t == readKey.Value:
				errs.Add(posAt(inst, d.addr), "", "the hook_idle handler %s waits for a key (read_key): the shell calls it while it waits for one itself, so it must return at once and leave the keys to the shell", handler)
				return
			case d.inst.Op == x86asm.INT && len(d.inst.Args) > 0 && d.inst.Args[0] == x86asm.Imm(0x16) && i > 0 && setsWaitAH(code[i-1].inst):
				errs.Add(posAt(inst, d.addr), "", "the hook_idle handler %s waits for a key (int 16h AH=00h/10h): it must return at once; check for a key with AH=01h if it must, and leave the keys to the shell", handler)
				return
			}
			if branch {
				todo = append(todo, t)
			}
			switch d.inst.Op {
			case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.JMP, x86asm.LJMP:
				ok = false
			default:
				i++
				ok = i < len(code) && code[i].addr == d.addr+uint32(d.inst.Len)
			}
		}
	}
}

// setsWaitAH reports whether inst sets AH to 00h or 10h (int 16h: wait for
// a key): mov ah, 0 / 10h; xor ah, ah; sub ah, ah; mov ax, imm with that
// high byte.
func setsWaitAH(inst x86asm.Inst) bool {
	wait := func(v int64) bool { return v == 0 || v == 0x10 }
	switch inst.Op {
	case x86asm.MOV:
		if imm, ok := inst.Args[1].(x86asm.Imm); ok {
			switch inst.Args[0] {
			case x86asm.AH:
				return wait(int64(imm) & 0xFF)
			case x86asm.AX, x86asm.EAX:
				return wait(int64(imm) >> 8 & 0xFF)
			}
		}
	case x86asm.XOR, x86asm.SUB:
		return inst.Args[0] == x86asm.AH && inst.Args[1] == x86asm.AH ||
			inst.Args[0] == x86asm.AX && inst.Args[1] == x86asm.AX
	}
	return false
}

// posAt is the source position of the instruction at addr in the block.
func posAt(inst *feature.Installation, addr uint32) diag.Pos {
	pos := diag.Pos{File: inst.Spec.SourceFile}
	for _, l := range inst.Result.Lines {
		if l.Addr == addr && len(l.Bytes) > 0 {
			return l.Pos
		}
	}
	return pos
}

// reaches reports whether some instruction of the block branches to target.
func reaches(code []decoded, target uint32) bool {
	for _, d := range code {
		if t, ok := d.target(); ok && t == target {
			return true
		}
	}
	return false
}

// isData reports whether an assembler line is a data directive.
func isData(text string) bool {
	f := strings.Fields(strings.ToLower(text))
	for len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:] // a label on the same line
	}
	if len(f) == 0 {
		return true
	}
	switch f[0] {
	case "db", "dw", "dd", "dq", "times", "resb", "resw", "resd", "resq", "align", "equ":
		return true
	}
	return len(f) > 1 && (f[1] == "db" || f[1] == "dw" || f[1] == "dd" || f[1] == "equ" || f[1] == "times")
}

// primitivesSource turns the seed's primitives answer into assembly for the
// feature installer: labels at their addresses and the bytes as db lines, so
// the same checks apply. It returns the start address and the addresses
// where the model marked an instruction (a WRITE with a comment that is not
// a data directive).
func primitivesSource(ps []Primitive) ([]byte, uint32, map[uint32]bool, error) {
	var errs diag.ErrorList
	type write struct {
		addr    uint32
		val     byte
		comment string
	}
	var writes []write
	labels := map[uint32][]string{}
	for i, p := range ps {
		pos := diag.Pos{File: AnswerPrims, Line: i + 1}
		src := fmt.Sprintf("%s %s %s %s", p.Type, p.Label, p.Addr, p.Byte)
		switch strings.ToUpper(p.Type) {
		case "COMMENT":
		case "DEFINE":
			a, err := num(string(p.Addr))
			if err != nil || p.Label == "" {
				errs.Add(pos, src, "DEFINE needs a label and a numeric addr")
				continue
			}
			labels[a] = append(labels[a], p.Label)
		case "WRITE":
			a, err1 := num(string(p.Addr))
			b, err2 := num(string(p.Byte))
			if err1 != nil || err2 != nil || b > 255 {
				errs.Add(pos, src, "WRITE needs a numeric addr and a byte 0-255")
				continue
			}
			writes = append(writes, write{a, byte(b), p.Comment})
		default:
			errs.Add(pos, src, "unknown primitive type %q (want WRITE, DEFINE or COMMENT)", p.Type)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, 0, nil, err
	}
	if len(writes) == 0 {
		return nil, 0, nil, errors.New("the answer writes no bytes")
	}
	sort.SliceStable(writes, func(i, j int) bool { return writes[i].addr < writes[j].addr })
	start, end := writes[0].addr, writes[len(writes)-1].addr+1
	if end-start > 0x4000 {
		return nil, 0, nil, fmt.Errorf("the primitives span 0x%04X-0x%04X, more than 16 KB", start, end-1)
	}
	mem := make([]int, end-start)
	for i := range mem {
		mem[i] = -1
	}
	starts := map[uint32]bool{}
	for _, w := range writes {
		if mem[w.addr-start] >= 0 {
			return nil, 0, nil, fmt.Errorf("the primitives write 0x%04X twice", w.addr)
		}
		mem[w.addr-start] = int(w.val)
		if c := strings.TrimSpace(w.comment); c != "" && !isData(c) {
			starts[w.addr] = true
		}
	}
	var b strings.Builder
	for a := start; a < end; a++ {
		for _, l := range labels[a] {
			fmt.Fprintf(&b, "%s:\n", l)
		}
		v := mem[a-start]
		if v < 0 {
			v = 0 // a gap inside the block
		}
		fmt.Fprintf(&b, "db 0x%02X\n", v)
	}
	for a, ls := range labels {
		if a < start || a >= end {
			return nil, 0, nil, fmt.Errorf("label %s at 0x%04X is outside the bytes written (0x%04X-0x%04X)", ls[0], a, start, end-1)
		}
	}
	return []byte(b.String()), start, starts, nil
}

func num(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil && strings.HasSuffix(strings.ToLower(s), "h") {
		v, err = strconv.ParseUint(s[:len(s)-1], 16, 32)
	}
	return uint32(v), err
}
