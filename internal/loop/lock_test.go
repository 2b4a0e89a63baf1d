package loop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/wslock"
)

// A run on a pxOS directory another writer holds is refused before it reads
// anything, naming the directory and the holder.
func TestRunRefusedWhileLocked(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	l, err := ws.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	before := readFile(t, ws.Commands)
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}})
	var held *wslock.HeldError
	if !errors.As(err, &held) || held.PID != os.Getpid() || held.Dir != ws.Dir {
		t.Fatalf("run while locked: %v, want a *wslock.HeldError naming %s and pid %d", err, ws.Dir, os.Getpid())
	}
	if rep != nil {
		t.Errorf("a report for a run that did not start: %+v", rep)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
	l.Release()
	if _, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"Add backspace support to shell"}}); err != nil {
		t.Fatalf("run after the lock was released: %v", err)
	}
}

// editingProvider is a provider during whose first answer someone else
// writes the commands file (as a person, or a pxos that took no lock, would).
type editingProvider struct {
	gen.Provider
	once sync.Once
	edit func()
}

func (p *editingProvider) Propose(ctx context.Context, req *gen.Request, pc *gen.PromptContext, prev *gen.Attempt) (*gen.Candidate, error) {
	p.once.Do(p.edit)
	return p.Provider.Propose(ctx, req, pc, prev)
}

// A commit re-reads the file it replaces: changed on disk since the run
// read it, it is left as the other writer left it, the goal fails with the
// reason, the goals after it are not tried, and the run says why.
func TestCommitRefusedWhenChanged(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	edited := append(readFile(t, ws.Commands), "# edited by hand\n"...)
	prov := &editingProvider{Provider: &gen.KB{Network: net}, edit: func() {
		if err := os.WriteFile(ws.Commands, edited, 0o644); err != nil {
			t.Error(err)
		}
	}}
	goals := []string{"Add backspace support to shell", "Add 'clear' command to clear screen"}
	var log bytes.Buffer
	// NoReuse: the goals go to the provider, not straight to the network's solutions.
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: prov, Goals: goals, NoReuse: true, Log: &log})
	if !errors.Is(err, gen.ErrChanged) {
		t.Fatalf("run: %v, want gen.ErrChanged\n%s", err, log.String())
	}
	want := fmt.Sprintf("%s changed on disk since this run read it; nothing was written — run again", ws.Commands)
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if got := readFile(t, ws.Commands); !bytes.Equal(got, edited) {
		t.Errorf("the commands file was overwritten:\n%s", got[len(got)-min(len(got), 400):])
	}
	if rep == nil || rep.Changed {
		t.Fatalf("report %+v: want one that says nothing changed", rep)
	}
	results := map[string]*GoalReport{}
	for _, g := range rep.Goals {
		if g.Role == RoleGoal {
			results[g.Goal] = g
		}
	}
	for _, goal := range goals {
		g := results[goal]
		if g == nil || g.Result != ResultFailed || !strings.Contains(g.Note, "changed on disk") {
			t.Errorf("goal %q: %+v, want failed, saying the file changed on disk", goal, g)
		}
	}
	if strings.Contains(log.String(), "commit:") {
		t.Errorf("the log reports a commit:\n%s", log.String())
	}
}
