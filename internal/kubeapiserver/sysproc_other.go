//go:build !linux

package kubeapiserver

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
