//go:build unix

package bench

import (
	"os"
	"syscall"
)

// maxRSSKiB reads ru_maxrss of an exited child (KiB on Linux).
func maxRSSKiB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
