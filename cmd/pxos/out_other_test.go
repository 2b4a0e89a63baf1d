//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// scriptMkfifo and scriptMknodNull are the script commands of
// out_linux_test.go, which the scripts use on Linux only ([!linux] skip).
func scriptMkfifo(ts *testscript.TestScript, _ bool, _ []string) {
	ts.Fatalf("mkfifo: Linux only")
}

func scriptMknodNull(ts *testscript.TestScript, _ bool, _ []string) {
	ts.Fatalf("mknod-null: Linux only")
}

func canMknod() bool { return false }
