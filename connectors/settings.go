package connectors

import (
	"fmt"
	"github.com/waymark-data/waymark/internal/textdist"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env is what a connector may use besides its settings. Connectors never
// read the process environment or write the lake themselves: secrets and
// state come through here, from the configuration and the runner.
type Env struct {
	// Secret returns a secret by the name a setting gives (e.g. the
	// variable named by auth_env); ok is false when it is not set.
	Secret func(name string) (value string, ok bool)
	// State keeps a connector's small state between runs (an HTTP source's
	// validators); nil when the job has none.
	State State
	// Log receives a connector's warnings about what it passes over (a
	// drop folder's symlinks and FIFOs); nil means slog's default.
	Log *slog.Logger
}

// Logger returns env's log, or slog's default.
func (e Env) Logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

// State is a job's state between runs, stored atomically by the runner.
type State interface {
	Load() ([]byte, error)
	Save([]byte) error
}

// Decode fills the struct dst points to from a job's settings. Fields are
// matched by their `setting:"name"` tag; a tag option "required" makes the
// setting mandatory. Supported kinds: string, int, int64, bool,
// time.Duration and []string (comma separated). dst's existing field values
// are the defaults. An unknown setting is an error naming the nearest
// valid one, so a typo is caught when the job loads rather than ignored.
func Decode(kind string, settings map[string]string, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	known := map[string]int{}
	var names []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("setting")
		if tag == "" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		known[name] = i
		names = append(names, name)
		if _, ok := settings[name]; !ok && opts == "required" {
			return fmt.Errorf("%s: setting %s is required", kind, name)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		i, ok := known[key]
		if !ok {
			return fmt.Errorf("%s: unknown setting %q (did you mean %q? valid: %s)", kind, key, Nearest(key, names), strings.Join(names, ", "))
		}
		if err := setField(v.Field(i), settings[key]); err != nil {
			return fmt.Errorf("%s: setting %s %q: %w", kind, key, settings[key], err)
		}
	}
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

func setField(f reflect.Value, s string) error {
	switch {
	case f.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 30s or 5m")
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number, 0 or more")
		}
		f.SetInt(n)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.SetBool(b)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}

// Nearest returns the candidate closest to s by edit distance: the
// suggestion in "did you mean" messages.
func Nearest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if d := textdist.Distance(s, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
