// Package seeds carries the reference data copied from the bulletin (see
// README.md beside this file), compiled into the binary so that a fresh
// install builds the warehouse with no files beside it.
package seeds

import (
	"embed"
	"io/fs"

	"github.com/waymark-data/waymark/internal/content"
)

//go:embed *.csv
var embedded embed.FS

// FS returns the seed files: dir when set, else the embedded copy.
func FS(dir string) fs.FS { return content.Dir(dir, embedded) }
