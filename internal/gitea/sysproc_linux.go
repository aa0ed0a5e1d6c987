package gitea

import "syscall"

// sysProcAttr puts Gitea in its own process group (so Stop also ends the git
// processes it spawned) and makes the kernel kill it if the test binary dies
// without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup ends the process group led by pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
