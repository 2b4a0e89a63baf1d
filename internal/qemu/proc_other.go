//go:build !linux

package qemu

import "os/exec"

// dieWithParent has no portable equivalent outside Linux; Close stops QEMU.
func dieWithParent(cmd *exec.Cmd) {}
