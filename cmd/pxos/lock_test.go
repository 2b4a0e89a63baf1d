package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// The tests here run pxos as separate processes on one pxOS directory, as
// two people (or two terminals) would: one writer at a time (issue 15,
// item 1).

// verAnswer is a model's answer adding a 'ver' command (it needs the
// command parser installed).
const verAnswer = `{
 "explanation": "adds a ver command that prints the version",
 "assembly": "ver_entry:\n        dw prev_cmd_head\n        dw ver_name\n        dw ver_run\n        dw ver_help\nver_name: db \"ver\", 0\nver_help: db \"print the version\", 0\nver_msg:  db \"pxOS v1.0 (generated)\", 13, 10, 0\nver_run:\n        push si\n        mov si, ver_msg\n        call print_string\n        pop si\n        ret\n",
 "hooks": [{"slot": "cmd_head", "handler": "ver_entry"}],
 "scenario": "wait \"pxOS>\"\ntype \"ver\\n\"\nexpect \"pxOS v1.0 (generated)\"\n"
}`

// lockWork exports pxOS v1.0 to DIR/work/pxos-v1.0 and returns the pxos
// binary and the work directory, where commands run.
func lockWork(t *testing.T) (bin, work string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	bin = buildPxos(t)
	work = filepath.Join(t.TempDir(), "work")
	if out, err := exec.Command(bin, "feature", "export", filepath.Join(work, "pxos-v1.0")).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	return bin, work
}

// proc is a pxos process a test started; the test ends it.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error
}

// startPxos starts bin with args in dir; the test's cleanup kills it if it
// is still running and waits for it.
func startPxos(t *testing.T, bin, dir string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "PXOS_LLM_URL="+closedURL)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for p to exit, at most a minute.
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(time.Minute):
		t.Fatalf("pxos %s did not finish; stderr:\n%s", strings.Join(p.cmd.Args[1:], " "), p.stderr.String())
		return nil
	}
}

// runPxos runs bin with args in dir to the end.
func runPxos(t *testing.T, bin, dir string, args ...string) (*proc, error) {
	t.Helper()
	p := startPxos(t, bin, dir, args...)
	return p, p.wait(t)
}

// heldMessage is what the writer cmd ("gen", "feature install"), refused by
// the holder with pid, says.
func heldMessage(cmd string, pid int) string {
	return fmt.Sprintf("pxos %s: another pxos (pid %d) is working on pxos-v1.0; wait for it to finish\n", cmd, pid)
}

// heldServer is an LLM server whose answers wait until release is called
// (the test's cleanup calls it too); asked receives once a chat arrives.
func heldServer(t *testing.T, reply func(llmtest.ChatRequest) llmtest.Reply) (srv *llmtest.Server, asked <-chan struct{}, release func()) {
	gate := make(chan struct{})
	ch := make(chan struct{}, 1)
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	srv = llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		select {
		case ch <- struct{}{}:
		default:
		}
		<-gate
		return reply(r)
	}})
	t.Cleanup(release) // before the server closes (cleanups run last first)
	return srv, ch, release
}

func waitAsked(t *testing.T, asked <-chan struct{}, p *proc) {
	t.Helper()
	select {
	case <-asked:
	case <-p.done:
		t.Fatalf("pxos ended before asking the model: %v\nstderr:\n%s", p.err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the model was not asked; stderr:\n%s", p.stderr.String())
	}
}

// checkCommands checks that the commands file in work holds each feature
// named once, and that its blocks overlap nothing (only hook slot words are
// written twice).
func checkCommands(t *testing.T, work string, features ...string) {
	t.Helper()
	path := filepath.Join(work, "pxos-v1.0", pxosv1.CommandsFile)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range features {
		if n := bytes.Count(src, []byte("\nDEFINE "+feature.MarkerPrefix+f+" ")); n != 1 {
			t.Errorf("%s holds feature %s %d times, want once", path, f, n)
		}
	}
	bare, err := pxosv1.FS.ReadFile(pxosv1.CommandsFile)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := feature.NewBase(path, bare)
	if err != nil {
		t.Fatal(err)
	}
	b, err := feature.NewBase(path, src)
	if err != nil {
		t.Fatalf("the commands file does not build: %v", err)
	}
	if err := b.CheckAppended(prev); err != nil {
		t.Errorf("the commands file: %v", err)
	}
}

// Two `pxos gen --append` on one directory: while the first waits for its
// model, the second is refused at once, naming the directory and the first
// one's pid, and writes nothing; the first then appends its block, and the
// second, run again, appends after it. Both features are in the file.
func TestGenAppendOneWriter(t *testing.T) {
	bin, work := lockWork(t)
	if p, err := runPxos(t, bin, work, "gen", "--append", "--provider", "kb", "--network", "net.png", "--feature", "Implement command parser for basic commands"); err != nil {
		t.Fatalf("command parser: %v\n%s", err, p.stderr.String())
	}
	srv, asked, release := heldServer(t, func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: verAnswer} })
	a := startPxos(t, bin, work, "gen", "--append", "--provider", "openai", "--url", srv.URL, "--network", "net.png", "--feature", "Add a ver command")
	waitAsked(t, asked, a)

	cmds := filepath.Join(work, "pxos-v1.0", pxosv1.CommandsFile)
	before, _ := os.ReadFile(cmds)
	start := time.Now()
	b, err := runPxos(t, bin, work, "gen", "--append", "--provider", "kb", "--network", "net.png", "--feature", "Add backspace support to shell")
	if err == nil {
		t.Fatalf("a second writer succeeded while the first held the directory:\n%s", b.stdout.String())
	}
	if got, want := b.stderr.String(), heldMessage("gen", a.cmd.Process.Pid); !strings.Contains(got, want) {
		t.Errorf("refused writer's stderr:\n%s\nwant %q", got, want)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refused after %v; want at once", d)
	}
	// pxos feature install writing the commands file is a writer too.
	fi, err := runPxos(t, bin, work, "feature", "install", "backspace", "-i", "pxos-v1.0/pxos_commands.txt")
	if err == nil || !strings.Contains(fi.stderr.String(), heldMessage("feature install", a.cmd.Process.Pid)) {
		t.Errorf("feature install while the directory is held: %v\n%s%s", err, fi.stdout.String(), fi.stderr.String())
	}
	if after, _ := os.ReadFile(cmds); !bytes.Equal(before, after) {
		t.Error("a refused writer changed the commands file")
	}

	release()
	if err := a.wait(t); err != nil {
		t.Fatalf("first writer: %v\n%s", err, a.stderr.String())
	}
	if !strings.HasPrefix(a.stdout.String(), "appended ver to pxos-v1.0/pxos_commands.txt") {
		t.Errorf("first writer: %s", a.stdout.String())
	}
	if b, err := runPxos(t, bin, work, "gen", "--append", "--provider", "kb", "--network", "net.png", "--feature", "Add backspace support to shell"); err != nil {
		t.Fatalf("second writer, run again: %v\n%s", err, b.stderr.String())
	}
	checkCommands(t, work, "command_parser", "ver", "backspace")
}

// Two `pxos auto` on one directory: the second is refused while the first
// runs (here, waiting for its model); the first commits its goal, and the
// second, run again, commits its own after it.
func TestAutoOneWriter(t *testing.T) {
	bin, work := lockWork(t)
	srv, asked, release := heldServer(t, func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(r.Last(), "Feature to add") {
			return llmtest.Reply{Content: verAnswer}
		}
		// The plan: one step, the goal itself.
		return llmtest.Reply{Content: `{"steps": [{"goal": "Add a 'ver' command that prints the version", "requires": []}]}`}
	})
	a := startPxos(t, bin, work, "auto", "--provider", "openai", "--url", srv.URL, "--report", "", "--image", "",
		"--goals", "Implement command parser for basic commands", "--goals", "Add a 'ver' command that prints the version")
	waitAsked(t, asked, a)

	b, err := runPxos(t, bin, work, "auto", "--provider", "kb", "--report", "", "--image", "", "--goals", "Add backspace support to shell")
	if err == nil {
		t.Fatalf("a second pxos auto succeeded while the first ran:\n%s", b.stdout.String())
	}
	if got, want := b.stderr.String(), heldMessage("auto", a.cmd.Process.Pid); !strings.Contains(got, want) {
		t.Errorf("refused run's stderr:\n%s\nwant %q", got, want)
	}

	release()
	if err := a.wait(t); err != nil {
		t.Fatalf("first run: %v\nstdout:\n%s\nstderr:\n%s", err, a.stdout.String(), a.stderr.String())
	}
	if b, err := runPxos(t, bin, work, "auto", "--provider", "kb", "--report", "", "--image", "", "--goals", "Add backspace support to shell"); err != nil {
		t.Fatalf("second run, again: %v\n%s", err, b.stderr.String())
	}
	checkCommands(t, work, "command_parser", "ver", "backspace")
}

// Writers started together, over and over: each either commits (and its
// feature is in the file) or is refused with the lock message; never do
// both say committed and one feature go missing, and never do two blocks
// share an address.
func TestConcurrentWriters(t *testing.T) {
	refused := 0
	for round := range 6 {
		bin, work := lockWork(t)
		gen := startPxos(t, bin, work, "gen", "--append", "--provider", "kb", "--network", "net.png", "--feature", "Add backspace support to shell")
		auto := startPxos(t, bin, work, "auto", "--provider", "kb", "--network", "net.png", "--report", "", "--image", "", "--goals", "Implement command parser for basic commands")
		var committed []string
		for _, w := range []struct {
			p       *proc
			cmd     string
			feature string
			pid     int // the other writer
		}{{gen, "gen", "backspace", auto.cmd.Process.Pid}, {auto, "auto", "command_parser", gen.cmd.Process.Pid}} {
			err := w.p.wait(t)
			switch {
			case err == nil:
				committed = append(committed, w.feature)
			case strings.Contains(w.p.stderr.String(), heldMessage(w.cmd, w.pid)):
				refused++
			default:
				t.Errorf("round %d: %s failed, and not for the lock: %v\n%s", round, w.feature, err, w.p.stderr.String())
			}
		}
		if len(committed) == 0 {
			t.Errorf("round %d: neither writer committed", round)
		}
		checkCommands(t, work, committed...)
	}
	t.Logf("%d of 6 rounds had a writer refused", refused)
}

// A commit re-reads the file it replaces: when the commands file changes
// while `pxos gen --append` waits for its model, the block is not appended
// and the other change stays.
func TestGenAppendChangedOnDisk(t *testing.T) {
	bin, work := lockWork(t)
	if p, err := runPxos(t, bin, work, "gen", "--append", "--provider", "kb", "--network", "net.png", "--feature", "Implement command parser for basic commands"); err != nil {
		t.Fatalf("command parser: %v\n%s", err, p.stderr.String())
	}
	cmds := filepath.Join(work, "pxos-v1.0", pxosv1.CommandsFile)
	src, err := os.ReadFile(cmds)
	if err != nil {
		t.Fatal(err)
	}
	edited := append(src, "# edited by hand while pxos worked\n"...)
	srv := llmtest.New(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		if err := os.WriteFile(cmds, edited, 0o644); err != nil {
			t.Error(err)
		}
		return llmtest.Reply{Content: verAnswer}
	}})
	p, err := runPxos(t, bin, work, "gen", "--append", "--provider", "openai", "--url", srv.URL, "--network", "net.png", "--feature", "Add a ver command")
	if err == nil {
		t.Fatalf("appended over a changed file:\n%s", p.stdout.String())
	}
	want := "pxos gen: pxos-v1.0/pxos_commands.txt changed on disk since this run read it; nothing was written — run again\n"
	if !strings.HasSuffix(p.stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant it to end with %q", p.stderr.String(), want)
	}
	if got, _ := os.ReadFile(cmds); !bytes.Equal(got, edited) {
		t.Error("the changed commands file was overwritten")
	}
}
