package dashboards

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Env is what Grafana knows when it runs a panel query: the dashboard's
// time range, the interval it picked for the panel's width, and the
// values of the template variables.
type Env struct {
	From, To time.Time
	Interval time.Duration
	Vars     map[string]Var
}

// Var is a template variable's current value(s). Multi or IncludeAll
// change how a bare $var is formatted, as in Grafana's SQL data sources.
type Var struct {
	Values     []string
	Multi      bool
	IncludeAll bool
}

var (
	macroRe = regexp.MustCompile(`\$__(timeFilter|timeFrom|timeTo|timeGroupAlias|timeGroup|time|interval_ms|interval)\b(\(([^()]*(\([^()]*\))?[^()]*)\))?`)
	varRe   = regexp.MustCompile(`\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]`)
)

// Expand rewrites a panel or variable query the way Grafana's PostgreSQL
// data source does before sending it: template variables first (with
// their formats), then the $__ macros. A macro or variable it does not
// know is an error, so a query that would reach PostgreSQL with a
// literal "$" fails the test rather than the leader.
func Expand(sql string, env Env) (string, error) {
	var errs []string
	out := varRe.ReplaceAllStringFunc(sql, func(m string) string {
		g := varRe.FindStringSubmatch(m)
		name, format := g[1], g[2]
		if g[3] != "" {
			name = g[3]
		}
		if g[4] != "" {
			name = g[4]
		}
		if strings.HasPrefix(name, "__") {
			return m // a macro or a built-in: handled below
		}
		v, ok := env.Vars[name]
		if !ok {
			errs = append(errs, "unknown variable $"+name)
			return m
		}
		s, err := formatVar(v, format)
		if err != nil {
			errs = append(errs, err.Error())
		}
		return s
	})
	out = macroRe.ReplaceAllStringFunc(out, func(m string) string {
		g := macroRe.FindStringSubmatch(m)
		args := splitArgs(g[3])
		switch g[1] {
		case "timeFilter":
			if len(args) != 1 {
				errs = append(errs, "$__timeFilter wants one column")
				return m
			}
			return fmt.Sprintf("%s BETWEEN '%s' AND '%s'", args[0], rfc(env.From), rfc(env.To))
		case "timeFrom":
			return "'" + rfc(env.From) + "'"
		case "timeTo":
			return "'" + rfc(env.To) + "'"
		case "time":
			if len(args) != 1 {
				errs = append(errs, "$__time wants one column")
				return m
			}
			return args[0] + ` AS "time"`
		case "timeGroup", "timeGroupAlias":
			if len(args) < 2 {
				errs = append(errs, "$__timeGroup wants a column and an interval")
				return m
			}
			d, err := parseInterval(args[1], env.Interval)
			if err != nil {
				errs = append(errs, err.Error())
				return m
			}
			s := strconv.FormatInt(int64(d/time.Second), 10)
			// Grafana: floor(extract(epoch from col)/secs)*secs, seconds since
			// the epoch; the panel reads it as a time.
			expr := fmt.Sprintf("floor(extract(epoch from %s)/%s)*%s", args[0], s, s)
			if g[1] == "timeGroupAlias" {
				expr += ` AS "time"`
			}
			return expr
		case "interval":
			return formatDuration(env.Interval)
		case "interval_ms":
			return strconv.FormatInt(env.Interval.Milliseconds(), 10)
		}
		return m
	})
	if i := strings.Index(out, "$"); i >= 0 && !strings.HasPrefix(out[i:], "$$") && looksLikeMacro(out[i:]) {
		errs = append(errs, "left unexpanded: "+out[i:min(len(out), i+30)])
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

func looksLikeMacro(s string) bool {
	return len(s) > 1 && (s[1] == '_' || s[1] == '{' || (s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z'))
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// parseInterval reads '1h', 5m, 1d or $__interval (already expanded).
func parseInterval(s string, auto time.Duration) (time.Duration, error) {
	s = strings.Trim(strings.TrimSpace(s), `'"`)
	if s == "$__interval" || s == "auto" {
		return auto, nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return 0, fmt.Errorf("interval %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("interval %q", s)
	}
	return d, nil
}

// formatDuration writes an interval as Grafana does ("1h", "30m", "1d").
func formatDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// formatVar formats a variable's values as Grafana's SQL data sources do:
// a single value raw, several (or a multi/all variable) quoted and comma
// separated; :sqlstring always quoted; :csv comma separated raw.
func formatVar(v Var, format string) (string, error) {
	switch format {
	case "":
		if !v.Multi && !v.IncludeAll && len(v.Values) == 1 {
			return v.Values[0], nil
		}
		fallthrough
	case "sqlstring":
		q := make([]string, len(v.Values))
		for i, s := range v.Values {
			q[i] = quote(s)
		}
		return strings.Join(q, ","), nil
	case "csv":
		return strings.Join(v.Values, ","), nil
	case "raw":
		return strings.Join(v.Values, ","), nil
	}
	return "", fmt.Errorf("variable format %q not supported", format)
}
