//go:build !linux

package lake

// spreadBelow is a hint only Linux's ext4 takes (chattr +T).
func spreadBelow(string) {}
