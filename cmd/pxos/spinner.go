package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// spinner returns a function that starts a spinner with msg on w and returns
// the function that stops and erases it. On anything but a terminal it
// does nothing, so logs and pipes stay clean.
func spinner(w io.Writer, msg string) func() (done func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() func() { return func() {} }
	}
	return func() func() {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			frames := `|/-\`
			start := time.Now()
			t := time.NewTicker(120 * time.Millisecond)
			defer t.Stop()
			for i := 0; ; i++ {
				fmt.Fprintf(f, "\r%c %s (%ds)", frames[i%len(frames)], msg, int(time.Since(start).Seconds()))
				select {
				case <-stop:
					fmt.Fprint(f, "\r\033[K")
					return
				case <-t.C:
				}
			}
		}()
		return func() {
			close(stop)
			wg.Wait()
		}
	}
}
