package feature

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
)

// maxEntries bounds the walk of a feature's command entries: a block that
// links more entries than this (or links them in a loop) is not walked
// further.
const maxEntries = 32

// maxWord bounds a command word CommandWords reads.
const maxWord = 80

// CommandWords returns the command words of the entries inst adds to the
// command table, in list order: it walks from the entry the feature puts in
// cmd_head along the next pointers while they stay inside the block (the
// entry layout is in pxos-v1.0/README.md: next, name, handler, help). A
// feature that does not take cmd_head has none; an entry whose word cannot
// be read (not zero-terminated printable ASCII within 80 bytes) gives "".
func CommandWords(inst *Installation) []string {
	var words []string
	for _, h := range inst.Hooks {
		if h.Slot != "cmd_head" {
			continue
		}
		seen := map[uint32]bool{}
		for a := uint32(h.New); a >= inst.Addr && a+8 <= inst.End && !seen[a] && len(seen) < maxEntries; {
			seen[a] = true
			words = append(words, cString(inst, uint32(inst.word(a+2))))
			a = uint32(inst.word(a))
		}
	}
	return words
}

// word reads the little-endian word at a, from the block when a is inside
// it, else from the base image.
func (inst *Installation) word(a uint32) uint16 {
	return uint16(inst.byteAt(a)) | uint16(inst.byteAt(a+1))<<8
}

func (inst *Installation) byteAt(a uint32) byte {
	switch {
	case a >= inst.Addr && a < inst.End:
		return inst.Result.Bytes[a-inst.Addr]
	case a >= build.LoadBase && a < build.LoadEnd:
		return inst.Base.Image.Floppy[a-build.LoadBase]
	}
	return 0
}

// cString reads the zero-terminated printable string at a; "" when there is
// none within maxWord bytes.
func cString(inst *Installation, a uint32) string {
	var b strings.Builder
	for i := uint32(0); i < maxWord; i++ {
		c := inst.byteAt(a + i)
		if c == 0 {
			return b.String()
		}
		if c <= ' ' || c > '~' {
			return ""
		}
		b.WriteByte(c)
	}
	return ""
}

// Variant is a build that stands in for a feature without doing what it
// does, to check that a scenario tells them apart (see package evidence).
type Variant struct {
	Build string // "stub", "swallow" or "muted"
	Desc  string // what it does, for a person ("the command "time" exists but prints nothing")
	Spec  *Spec  // what to install instead of the feature
}

// Stubs returns the do-nothing variants of inst, each a feature that takes
// the same hook slots:
//
//   - "stub": its commands exist (same words) and return at once; its key
//     and line handlers pass every event on. Left out when the feature adds
//     no command: it would be the build without the feature.
//   - "swallow": its commands exist and return at once; its key and line
//     handlers consume every event silently. Left out when the feature takes
//     no key or line slot: it would be "stub".
//
// A scenario that passes on one of them checks only that a command exists,
// that "Unknown command" is gone or that keys were eaten, which a feature
// that does nothing also gives. The stubs' labels are free in into, the
// build they will be installed into (usually inst.Base; for a feature that
// is already there, the current build, where a stub shadows it). It fails
// when a command word cannot be read, since no stub could stand in for it.
func Stubs(inst *Installation, into *Base) ([]Variant, error) {
	var slots []string
	for _, h := range inst.Hooks {
		slots = append(slots, h.Slot)
	}
	sort.Strings(slots)
	words := CommandWords(inst)
	for _, w := range words {
		if w == "" {
			return nil, fmt.Errorf("%s: a command entry's word is not readable text (at most %d printable characters, zero-terminated)", inst.Spec.Name, maxWord)
		}
	}
	hasCmd, hasEvent := false, false
	for _, s := range slots {
		if s == "cmd_head" {
			hasCmd = len(words) > 0
		} else {
			hasEvent = true
		}
	}
	p := freePrefix(into, "stub")
	var out []Variant
	if hasCmd {
		out = append(out, Variant{Build: "stub", Desc: stubDesc(words, ""), Spec: stubSpec(inst.Spec.Name, p, slots, words, false)})
	}
	if hasEvent {
		what := "a key handler swallows every key"
		if !contains(slots, "hook_key") && !contains(slots, "hook_line") {
			what = "its handlers return at once"
		}
		for _, s := range slots {
			if s == "hook_line" {
				what = "a line handler swallows every line"
				if contains(slots, "hook_key") {
					what = "handlers swallow every key and every line"
				}
			}
		}
		out = append(out, Variant{Build: "swallow", Desc: stubDesc(words, what), Spec: stubSpec(inst.Spec.Name, p, slots, words, true)})
	}
	return out, nil
}

func stubDesc(words []string, events string) string {
	var parts []string
	if len(words) > 0 {
		var q []string
		for _, w := range words {
			q = append(q, fmt.Sprintf("%q", w))
		}
		noun := "command"
		if len(q) > 1 {
			noun = "commands"
		}
		parts = append(parts, fmt.Sprintf("the %s %s exist%s but print%s nothing", noun, strings.Join(q, ", "), plural1(len(q)), plural1(len(q))))
	}
	if events != "" {
		parts = append(parts, events)
	}
	return strings.Join(parts, " and ")
}

// plural1 is the verb ending for a subject of n: "exists" for 1, "exist".
func plural1(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// stubSpec writes the stub's source: labels under prefix p (free in the
// build), command entries with the same words, key and line handlers that
// pass on (jmp prev_<slot>) or swallow (stc; ret).
func stubSpec(name, p string, slots, words []string, swallow bool) *Spec {
	var src strings.Builder
	hooks := map[string]string{}
	fmt.Fprintf(&src, "; stub of %s: its hooks, doing nothing\n", name)
	for _, slot := range slots {
		label := p + "_" + slot
		switch {
		case slot == "cmd_head" && len(words) > 0:
			hooks[slot] = label
			for i, w := range words {
				next := "prev_cmd_head"
				if i+1 < len(words) {
					next = fmt.Sprintf("%s_entry%d", p, i+1)
				}
				entry := fmt.Sprintf("%s_entry%d", p, i)
				if i == 0 {
					entry = label
				}
				fmt.Fprintf(&src, "%s: dw %s, %s_name%d, %s_run, 0\n%s_name%d: db ", entry, next, p, i, p, p, i)
				for _, c := range []byte(w) {
					fmt.Fprintf(&src, "0x%02X, ", c)
				}
				src.WriteString("0\n")
			}
			fmt.Fprintf(&src, "%s_run: ret\n", p)
		case slot == "cmd_head":
		case swallow:
			hooks[slot] = label
			fmt.Fprintf(&src, "%s:\n        stc\n        ret\n", label)
		default:
			hooks[slot] = label
			fmt.Fprintf(&src, "%s:\n        jmp %s%s\n", label, PrevPrefix, slot)
		}
	}
	// Named by its prefix, so that it installs beside the feature itself.
	return &Spec{Name: p, Goal: "stub of " + name, Hooks: hooks, Source: []byte(src.String()), SourceFile: name + ".stub.asm"}
}

// freePrefix returns a label prefix, stem or stem2, stem3, ..., that no
// symbol of b starts with, so that a stand-in's labels never clash with the
// features installed (one of them may well be called stub).
func freePrefix(b *Base, stem string) string {
	for i := 1; ; i++ {
		p := stem
		if i > 1 {
			p = fmt.Sprintf("%s%d", stem, i)
		}
		clash := b.Present(p)
		for name := range b.Image.Program.Symbols {
			if strings.HasPrefix(name, p+"_") || name == p {
				clash = true
				break
			}
		}
		if !clash {
			return p
		}
	}
}

// outputRoutines are the base routines that change the screen (see the API
// page): a muted feature calls a plain ret instead.
var outputRoutines = []string{"print_char", "print_string", "newline", "print_hex", "clear_screen", "set_cursor"}

var (
	int10RE  = regexp.MustCompile(`(?i)\bint\s+(0x10|10h|16|0x0010)\b`)
	videoRE  = regexp.MustCompile(`(?i)\b((0x)?0?b800(0)?h?|47104)\b`)
	defineRE = regexp.MustCompile(`(?im)^\s*%define\b`)
)

// Muted returns inst's feature with its own screen output taken away: its
// calls of the base's output routines go to a plain ret, and its int 10h
// calls skip the functions that change the screen (set cursor, scroll,
// write character, teletype, write string, set mode) — everything else it
// does (what it consumes, what it changes in memory) stays. A scenario that
// passes on the muted build does not check what the feature shows.
//
// It is made for features that take hook_line, whose stubs (pass every
// line on, swallow every line) leave a gap: a handler that swallows just
// its word and prints nothing differs from both. It returns nil and "" for
// the others: a key handler may work by changing the key it passes on,
// which muting keeps ("make letters upper case" prints nothing itself), and
// a command's stub (the same words, doing nothing) already stands for a
// command that shows nothing, while muting would wrongly refuse a command
// that works through another feature's code (a '?' that runs help). It
// returns nil and the reason when muting cannot be done honestly: code that
// writes video memory directly (segment 0xB800), or a source with %define
// lines of its own.
func Muted(inst *Installation) (spec *Spec, why string) {
	f := inst.Spec
	if _, line := f.Hooks["hook_line"]; !line {
		return nil, ""
	}
	src := string(f.Source)
	code := stripStrings(stripComments(src))
	switch {
	case videoRE.MatchString(code):
		return nil, "its code addresses video memory (0xB800) directly; print through pxOS's routines or int 10h"
	case defineRE.MatchString(code):
		return nil, "its source has %define lines"
	}
	p := freePrefix(inst.Base, "mute")
	var b strings.Builder
	fmt.Fprintf(&b, "; %s, muted: its screen output goes nowhere\n", f.Name)
	for _, r := range outputRoutines {
		fmt.Fprintf(&b, "%%define %s %s_ret\n", r, p)
	}
	b.WriteString(int10RE.ReplaceAllString(src, "call "+p+"_int10"))
	fmt.Fprintf(&b, `
%[1]s_int10:
        cmp ah, 0x0e
        je %[1]s_ret
        cmp ah, 0x09
        je %[1]s_ret
        cmp ah, 0x0a
        je %[1]s_ret
        cmp ah, 0x13
        je %[1]s_ret
        cmp ah, 0x02
        je %[1]s_ret
        cmp ah, 0x06
        je %[1]s_ret
        cmp ah, 0x07
        je %[1]s_ret
        cmp ah, 0x00
        je %[1]s_ret
        int 0x10
%[1]s_ret:
        ret
`, p)
	return &Spec{Name: f.Name, Goal: f.Goal, Hooks: f.Hooks, Source: []byte(b.String()), SourceFile: f.Name + ".muted.asm"}, ""
}

// stripStrings blanks out quoted text ("segment B800h" in a message is no
// video address).
func stripStrings(src string) string {
	b := []byte(src)
	var q byte
	for i, c := range b {
		switch {
		case q != 0 && c == q:
			q = 0
		case q != 0 && c != '\n':
			b[i] = ' '
		case q == 0 && (c == '\'' || c == '"' || c == '`'):
			q = c
		case c == '\n':
			q = 0
		}
	}
	return string(b)
}

// stripComments drops each line's ; comment (a ; inside quotes is text).
func stripComments(src string) string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		var q byte
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case q != 0 && c == q:
				q = 0
			case q == 0 && (c == '\'' || c == '"' || c == '`'):
				q = c
			case q == 0 && c == ';':
				line = line[:i]
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
