package qemu

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks Linux to kill QEMU if pxos dies without closing it
// (SIGKILL, a crash), so no headless QEMU is left behind. Close remains the
// normal way to stop it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
