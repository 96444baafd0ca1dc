//go:build !faults

package faults

// Point does nothing outside test builds (see the package comment).
func Point(string) {}
