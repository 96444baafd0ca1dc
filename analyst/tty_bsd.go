//go:build darwin || freebsd || netbsd || openbsd

package analyst

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
