package models

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/waymark-data/waymark/internal/textdist"
)

// Select resolves dbt-style selectors to the set of models to build:
// "m" the model alone, "+m" the model and every model it reads from
// (ancestors), "m+" the model and every model that reads it
// (descendants), "+m+" both. A selector may list several, separated by
// commas or spaces.
func Select(all []Model, selectors []string) (map[string]bool, error) {
	up := parents(all)
	down := map[string][]string{}
	for child, ps := range up {
		for _, p := range ps {
			down[p] = append(down[p], child)
		}
	}
	var walk func(g map[string][]string, n string, into map[string]bool)
	walk = func(g map[string][]string, n string, into map[string]bool) {
		for _, x := range g[n] {
			if !into[x] {
				into[x] = true
				walk(g, x, into)
			}
		}
	}
	out := map[string]bool{}
	for _, sel := range selectors {
		for _, s := range strings.FieldsFunc(sel, func(r rune) bool { return r == ',' || r == ' ' }) {
			name := strings.TrimSuffix(strings.TrimPrefix(s, "+"), "+")
			if name == "" {
				return nil, fmt.Errorf("--select %q: a selector needs a model name: model, +model (with what it reads from), model+ (with what reads it) or +model+", s)
			}
			if _, ok := up[name]; !ok {
				hint := ""
				if near := textdist.Nearest(name, slices.Sorted(maps.Keys(up))); near != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", strings.Replace(s, name, near, 1))
				}
				return nil, fmt.Errorf("--select %q: no model %q%s; models are the files under sql/staging, sql/intermediate and sql/marts", s, name, hint)
			}
			out[name] = true
			if strings.HasPrefix(s, "+") {
				walk(up, name, out)
			}
			if strings.HasSuffix(s, "+") {
				walk(down, name, out)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--select selects no model")
	}
	return out, nil
}

// sortedKeys lists a set in name order, for messages.
func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
