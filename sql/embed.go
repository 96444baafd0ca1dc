// Package sql carries the warehouse's DuckDB SQL, compiled into the binary:
// macros/ (functions every model shares), staging/ (one model per source,
// typed and de-duplicated), intermediate/, marts/ (what users read) and
// tests/ (queries that must return no rows). Each model file is a SELECT;
// the build materialises it as a table named after the file.
package sql

import (
	"embed"
	"io/fs"

	"github.com/waymark-data/waymark/internal/content"
)

//go:embed macros/*.sql staging/*.sql intermediate/*.sql marts/*.sql tests/*.sql
var embedded embed.FS

// FS returns the SQL tree: dir when set, else the embedded copy.
func FS(dir string) fs.FS { return content.Dir(dir, embedded) }
