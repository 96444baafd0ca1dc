// Package content chooses between the content compiled into the binary
// (seeds, SQL models, pipeline specs) and a deployment's own directory.
package content

import (
	"io/fs"
	"os"
)

// Dir returns the directory override when it is set, else builtin.
func Dir(override string, builtin fs.FS) fs.FS {
	if override != "" {
		return os.DirFS(override)
	}
	return builtin
}
