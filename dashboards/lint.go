package dashboards

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func init() {
	// The SDK's decoders learn every stock panel's options and, here, the
	// PostgreSQL query Waymark writes, so a dashboard round-trips through
	// the SDK's types with nothing left as an unknown bag.
	plugins.RegisterDefaultPlugins()
	cog.NewRuntime().RegisterDataqueryVariant(variants.DataqueryConfig{
		Identifier: DatasourceType,
		DataqueryUnmarshaler: func(raw []byte) (variants.Dataquery, error) {
			var q SQLQuery
			err := json.Unmarshal(raw, &q)
			return q, err
		},
		StrictDataqueryUnmarshaler: func(raw []byte) (variants.Dataquery, error) {
			var q SQLQuery
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			err := dec.Decode(&q)
			return q, err
		},
	})
}

// Panel is one panel of a generated dashboard as the lint and the query
// tests read it.
type Panel struct {
	Dashboard, Title, Type, Description string
	Queries                             []SQLQuery
}

// Variable is a template variable with its query (query variables) or
// values (custom).
type Variable struct {
	Name, Type, Query string
	Values            []string
	Current           []string
	Multi, IncludeAll bool
}

var linkRe = regexp.MustCompile(`/d/([A-Za-z0-9_${}.\-]+)`)

// Lint checks generated dashboard files (JSON, keyed by file name) and
// returns every problem: each panel has a title, a description, a unit
// (tables and text excepted), a query naming the provisioned data source;
// every link points at a generated dashboard; each dashboard round-trips
// through the SDK's types unchanged.
func Lint(files map[string][]byte) []string {
	var problems []string
	uids := map[string]bool{}
	var all []dashboard.Dashboard
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d, err := decodeStrict(files[name])
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: does not decode into the SDK's Dashboard: %v", name, err))
			continue
		}
		again, err := json.Marshal(d)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		var a, b any
		json.Unmarshal(files[name], &a)
		json.Unmarshal(again, &b)
		if !reflect.DeepEqual(a, b) {
			problems = append(problems, name+": changes when round-tripped through the SDK's types")
		}
		if d.Uid != nil {
			uids[*d.Uid] = true
		}
		all = append(all, d)
	}
	for _, d := range all {
		uid := deref(d.Uid)
		checkLink := func(where, url string) {
			for _, m := range linkRe.FindAllStringSubmatch(url, -1) {
				target := m[1]
				if target == "${__data.fields.dept_uid}" {
					continue // a department's uid from the row; the query tests check them
				}
				if !uids[target] {
					problems = append(problems, fmt.Sprintf("%s: %s links to /d/%s, no generated dashboard", uid, where, target))
				}
			}
		}
		for _, l := range d.Links {
			if l.Url != nil {
				checkLink("dashboard link "+l.Title, *l.Url)
			}
		}
		for _, p := range d.Panels {
			if p.Panel == nil {
				problems = append(problems, uid+": a row; Waymark dashboards have none")
				continue
			}
			panel := p.Panel
			title := deref(panel.Title)
			where := fmt.Sprintf("%s panel %q", uid, title)
			if title == "" {
				problems = append(problems, uid+": a panel without a title")
			}
			if len(strings.TrimSpace(deref(panel.Description))) < 20 {
				problems = append(problems, where+": no description (what, formula, source, owner)")
			}
			for _, l := range panel.Links {
				if l.Url != nil {
					checkLink("panel "+title+" link", *l.Url)
				}
			}
			unit := ""
			if panel.FieldConfig != nil {
				unit = deref(panel.FieldConfig.Defaults.Unit)
				for _, l := range panel.FieldConfig.Defaults.Links {
					if l.Url != nil {
						checkLink("panel "+title+" data link", *l.Url)
					}
				}
			}
			if panel.Type == "text" {
				if opts, err := json.Marshal(panel.Options); err == nil {
					for _, m := range linkRe.FindAllStringSubmatch(string(opts), -1) {
						checkLink("text "+title, m[0])
					}
				}
				continue
			}
			if panel.Type != "table" && unit == "" {
				problems = append(problems, where+": no unit")
			}
			if panel.Datasource == nil || deref(panel.Datasource.Uid) != DatasourceUID {
				problems = append(problems, where+": not on the provisioned data source "+DatasourceUID)
			}
			if len(panel.Targets) == 0 {
				problems = append(problems, where+": no query")
			}
			for _, t := range panel.Targets {
				q, ok := t.(SQLQuery)
				if !ok {
					problems = append(problems, fmt.Sprintf("%s: a query of type %T", where, t))
					continue
				}
				if q.Datasource == nil || deref(q.Datasource.Uid) != DatasourceUID {
					problems = append(problems, where+": a query not on "+DatasourceUID)
				}
				if strings.TrimSpace(q.RawSQL) == "" {
					problems = append(problems, where+": an empty query")
				}
				if q.Format == "time_series" && !strings.Contains(q.RawSQL, "AS time") {
					problems = append(problems, where+": a time series without a time column")
				}
			}
		}
	}
	return problems
}

// decodeStrict decodes a dashboard into the SDK's types. The SDK's own
// strict decoder (v0.0.22) mistakes its empty error list for an error at
// every nested level, so the SDK's regular decoder is used and strictness
// comes from the round trip Lint checks: a field the types do not know is
// lost on the way back, and the difference is reported.
func decodeStrict(b []byte) (dashboard.Dashboard, error) {
	var d dashboard.Dashboard
	err := json.Unmarshal(b, &d)
	return d, err
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// Read decodes a generated dashboard file into its panels' queries and
// template variables (and the annotation queries, as panels of type
// "annotation"), for the query tests and the benchmark.
func Read(b []byte) (uid string, panels []Panel, vars []Variable, err error) {
	d, err := decodeStrict(b)
	if err != nil {
		return "", nil, nil, err
	}
	uid = deref(d.Uid)
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		pp := Panel{Dashboard: uid, Title: deref(p.Panel.Title), Type: p.Panel.Type, Description: deref(p.Panel.Description)}
		for _, t := range p.Panel.Targets {
			if q, ok := t.(SQLQuery); ok {
				pp.Queries = append(pp.Queries, q)
			}
		}
		panels = append(panels, pp)
	}
	for _, a := range d.Annotations.List {
		if q, ok := a.Target.(SQLQuery); ok {
			panels = append(panels, Panel{Dashboard: uid, Title: "annotation " + a.Name, Type: "annotation", Queries: []SQLQuery{q}})
		}
	}
	if d.Templating.List != nil {
		for _, v := range d.Templating.List {
			vv := Variable{Name: v.Name, Type: string(v.Type), Multi: deref(v.Multi), IncludeAll: deref(v.IncludeAll)}
			if v.Query != nil {
				if v.Query.String != nil {
					vv.Query = *v.Query.String
				} else if s, ok := v.Query.Map["rawSql"].(string); ok {
					vv.Query = s
				}
			}
			if v.Type == "custom" {
				for _, s := range strings.Split(vv.Query, ",") {
					vv.Values = append(vv.Values, strings.TrimSpace(s))
				}
			}
			if v.Current != nil {
				if v.Current.Value.String != nil {
					vv.Current = []string{*v.Current.Value.String}
				} else {
					vv.Current = v.Current.Value.ArrayOfString
				}
			}
			vars = append(vars, vv)
		}
	}
	return uid, panels, vars, nil
}
