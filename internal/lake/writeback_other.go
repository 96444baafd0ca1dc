//go:build !linux

package lake

import "os"

// startWriteback is a hint only Linux takes (sync_file_range).
func startWriteback(*os.File, int64, int64) {}
