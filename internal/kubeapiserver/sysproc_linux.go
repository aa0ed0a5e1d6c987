package kubeapiserver

import "syscall"

// sysProcAttr makes the kernel kill the children if this process dies
// without calling Stop (a panicking or killed test binary), so no etcd or
// kube-apiserver outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
