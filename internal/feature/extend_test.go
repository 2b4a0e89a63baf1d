package feature

import (
	"fmt"
	"strings"
	"testing"
)

// Two blocks made for the same build land at the same address (its first
// free range): the second, appended after the first, builds (a patch) but
// is refused, as two writers on one commands file once produced. Blocks
// installed one after the other, rewriting only hook slot words, pass.
func TestExtendOverlap(t *testing.T) {
	base := v1Base(t)
	specs := v1Specs(t)
	bs, err := base.Install(byName(t, specs, "backspace"), 0)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := base.Install(byName(t, specs, "command_parser"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if bs.Addr != cp.Addr {
		t.Fatalf("backspace at %s, command_parser at %s: want the same address for this test", bs.Range, cp.Range)
	}
	one, err := base.Extend(bs.Block)
	if err != nil {
		t.Fatalf("Extend with backspace: %v", err)
	}
	if _, err := one.Extend(cp.Block); err == nil {
		t.Fatal("a block at the address of another was accepted")
	} else if !strings.Contains(err.Error(), "overlaps") || !strings.Contains(err.Error(), fmt.Sprintf("0x%04X", base.Image.Program.Symbols["base_end"].Value)) {
		t.Errorf("error: %v", err)
	}
	// The same from the original build, both blocks at once.
	both, err := NewBase(base.File, Append(Append(base.Src, bs.Block), cp.Block))
	if err != nil {
		t.Fatal(err)
	}
	if err := both.CheckAppended(base); err == nil {
		t.Error("CheckAppended accepted two blocks at one address")
	}

	// Every default feature, each installed into the build before it: the
	// hook slots are rewritten, nothing else.
	all, _, err := base.InstallAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	if err := all.CheckAppended(base); err != nil {
		t.Errorf("the default features: %v", err)
	}
	if err := base.CheckAppended(all); err == nil {
		t.Error("CheckAppended accepted a source that is not the other's with blocks appended")
	}
}
