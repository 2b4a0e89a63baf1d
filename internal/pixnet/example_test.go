package pixnet_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/pixnet"
)

// A network is opened (created when missing), taught, searched and checked.
func Example() {
	dir, _ := os.MkdirTemp("", "pixnet-example")
	defer os.RemoveAll(dir)
	s, err := pixnet.Open(filepath.Join(dir, "networks", "demo.png"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	r, _ := s.Append(pixnet.Record{Kind: pixnet.KindSolution, Title: "clear command",
		Tags: []string{"verified"}, Body: "mov ax, 0x0003\nint 0x10"})
	s.Append(pixnet.Record{Kind: pixnet.KindFailure, Title: "clear via int 21h",
		Body: "int 21h is DOS: there is no DOS under pxOS"})
	fmt.Println("added record", r.ID)

	for _, h := range s.Search("how to clear the screen with int 10h", pixnet.SearchOptions{K: 1, Kinds: []pixnet.Kind{pixnet.KindSolution}}) {
		fmt.Println("best solution:", h.Record.Title)
	}
	rep, err := s.Verify()
	fmt.Println(rep.Records, "intact records, error:", err)
	// Output:
	// added record 1
	// best solution: clear command
	// 2 intact records, error: <nil>
}
