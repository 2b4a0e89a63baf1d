package gen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/wslock"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// commitWorkspace writes the shipped commands file into a fresh pxOS
// directory and opens it.
func commitWorkspace(t *testing.T) (*Workspace, *feature.Base) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pxos-v1.0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := loadBase(t)
	if err := os.WriteFile(filepath.Join(dir, pxosv1.CommandsFile), base.Src, 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := OpenWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	base, err = ws.Base()
	if err != nil {
		t.Fatal(err)
	}
	return ws, base
}

func install(t *testing.T, base *feature.Base, name string) *feature.Installation {
	t.Helper()
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := base.Install(byName(specs, name), 0)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// Append writes the block when the file is the one it was made for.
func TestAppend(t *testing.T) {
	ws, base := commitWorkspace(t)
	inst := install(t, base, "backspace")
	next, err := ws.Append(base, inst.Block)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(ws.Commands)
	if !bytes.Equal(got, next.Src) || !bytes.Equal(got, feature.Append(base.Src, inst.Block)) {
		t.Error("the commands file is not the base with the block after it")
	}
}

// A file that changed on disk since it was read is not overwritten: the
// other writer's work stays.
func TestAppendChangedOnDisk(t *testing.T) {
	ws, base := commitWorkspace(t)
	inst := install(t, base, "backspace")
	edited := append(bytes.Clone(base.Src), "# edited by hand\n"...)
	if err := os.WriteFile(ws.Commands, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ws.Append(base, inst.Block)
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("Append over a changed file: %v, want ErrChanged", err)
	}
	want := "" + ws.Commands + " changed on disk since this run read it; nothing was written — run again"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if got, _ := os.ReadFile(ws.Commands); !bytes.Equal(got, edited) {
		t.Error("the changed file was overwritten")
	}
}

// A block that would sit at the address of another is never committed,
// even onto the very file it was checked against.
func TestAppendOverlapRefused(t *testing.T) {
	ws, base := commitWorkspace(t)
	bs := install(t, base, "backspace")
	cp := install(t, base, "command_parser") // made for the same build: same address
	withBS, err := ws.Append(base, bs.Block)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ws.Append(withBS, cp.Block)
	if err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("an overlapping block: %v, want refused", err)
	}
	if got, _ := os.ReadFile(ws.Commands); !bytes.Equal(got, withBS.Src) {
		t.Error("the commands file changed")
	}
}

// Lock is the workspace directory's wslock.
func TestWorkspaceLock(t *testing.T) {
	ws, _ := commitWorkspace(t)
	l, err := ws.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	var held *wslock.HeldError
	if _, err := wslock.Acquire(ws.Dir); !errors.As(err, &held) {
		t.Errorf("wslock.Acquire while the workspace is locked: %v", err)
	}
}
