// Package waymark carries the project's content, compiled into the binary
// from one place: the bulletin as seeds (seeds/*.csv), the SQL models
// (sql/), and the data-set contracts and job specs (pipelines/datasets,
// pipelines/jobs). Each accessor takes a deployment's own directory, which
// wins over the built-in copy when it is set.
package waymark

import (
	"embed"
	"io/fs"

	"github.com/waymark-data/waymark/internal/content"
)

//go:embed seeds/*.csv
var seedFiles embed.FS

//go:embed sql
var sqlFiles embed.FS

//go:embed pipelines/datasets/*.yaml pipelines/jobs/*.yaml
var pipelineFiles embed.FS

// Seeds returns the seed CSVs: dir when set, else the built-in copy.
func Seeds(dir string) fs.FS { return content.Dir(dir, sub(seedFiles, "seeds")) }

// SQL returns the model tree (macros/, staging/, intermediate/, marts/,
// tests/): dir when set, else the built-in copy.
func SQL(dir string) fs.FS { return content.Dir(dir, sub(sqlFiles, "sql")) }

// Pipelines returns the folder holding datasets/ and jobs/: dir when set,
// else the built-in copy.
func Pipelines(dir string) fs.FS { return content.Dir(dir, sub(pipelineFiles, "pipelines")) }

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above
	}
	return s
}
