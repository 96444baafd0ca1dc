package pipelines

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Refs is the reference data contracts point into: for "seed.column",
// every value of that column and the seed row it sits in.
type Refs map[string]map[string]map[string]string

// LoadRefs reads the seed files that the data sets' columns reference.
func LoadRefs(seeds fs.FS, datasets map[string]*Dataset) (Refs, error) {
	refs := Refs{}
	for _, d := range datasets {
		for _, c := range d.Columns {
			if c.Ref == "" || refs[c.Ref] != nil {
				continue
			}
			seed, col, _ := strings.Cut(c.Ref, ".")
			rows, err := readSeed(seeds, seed)
			if err != nil {
				return nil, fmt.Errorf("data set %s column %s: %w", d.Name, c.Name, err)
			}
			m := map[string]map[string]string{}
			for _, r := range rows {
				v, ok := r[col]
				if !ok {
					return nil, fmt.Errorf("data set %s column %s: seed %s has no column %s", d.Name, c.Name, seed, col)
				}
				m[v] = r
			}
			// A department may be written under any of its names.
			for _, r := range rows {
				for _, a := range strings.Split(r["aliases_zh"], "、") {
					if a = strings.TrimSpace(a); a != "" && m[a] == nil {
						m[a] = r
					}
				}
			}
			refs[c.Ref] = m
		}
	}
	// How each indicator gets its number (paths_<plan>.csv), for the demo
	// and the templates: which indicators are milestones, which reported.
	if rows, err := readSeed(seeds, "paths"); err == nil {
		m := map[string]map[string]string{}
		for _, r := range rows {
			m[r["indicator_id"]] = r
		}
		refs["paths.indicator_id"] = m
	}
	return refs, nil
}

// Department returns the canonical name of a department given under any
// of its names, and whether the reference data knows it at all.
func (r Refs) Department(name string) (string, bool) {
	row, ok := r["departments.name_zh"][strings.TrimSpace(name)]
	if !ok {
		return "", false
	}
	return row["name_zh"], true
}

// DepartmentNames lists every name the reference data knows a department
// by (canonical names and aliases), sorted: the candidates of a "did you
// mean" for a name it does not know.
func (r Refs) DepartmentNames() []string {
	names := make([]string, 0, len(r["departments.name_zh"]))
	for n := range r["departments.name_zh"] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// readSeed reads <name>.csv, or every indicators_*.csv for "indicators".
func readSeed(seeds fs.FS, name string) ([]map[string]string, error) {
	files := []string{name + ".csv"}
	if name == "indicators" || name == "paths" {
		// Kept one file per plan: indicators_<plan>.csv, paths_<plan>.csv.
		var err error
		if files, err = fs.Glob(seeds, name+"_*.csv"); err != nil {
			return nil, err
		}
	}
	var out []map[string]string
	for _, f := range files {
		file, err := seeds.Open(f)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", f, err)
		}
		recs, err := csv.NewReader(file).ReadAll()
		file.Close()
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", f, err)
		}
		for _, r := range recs[1:] {
			m := make(map[string]string, len(r))
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// examples lists a few valid values for an error message.
func (r Refs) examples(ref string) string {
	vals := make([]string, 0, len(r[ref]))
	for v := range r[ref] {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	if len(vals) > 3 {
		vals = append(vals[:3], "…")
	}
	return strings.Join(vals, ", ")
}

// examplesZh lists a few valid values for a Chinese message.
func (r Refs) examplesZh(ref string) string {
	return strings.ReplaceAll(r.examples(ref), ", ", "、")
}
