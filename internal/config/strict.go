package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/waymark-data/waymark/internal/textdist"
	"io"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeStrict decodes waymark.yaml into cfg and refuses keys Waymark does
// not know: a typo ("keep_version", "limts") must not pass silently and
// leave a default in force. The error names the key, where it is and the
// nearest key that exists.
func decodeStrict(b []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if len(doc.Content) > 0 {
		if err := checkKeys(doc.Content[0], reflect.TypeOf(*cfg), ""); err != nil {
			return err
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// checkKeys walks a mapping node against the struct type t.
func checkKeys(n *yaml.Node, t reflect.Type, prefix string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("line %d: unknown key %q", k.Line, prefix+k.Value)
			if near := nearest(k.Value, names); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", prefix+near)
			}
			return fmt.Errorf("%s; valid keys here: %s", msg, strings.Join(names, ", "))
		}
		if err := checkKeys(v, ft, prefix+k.Value+"."); err != nil {
			return err
		}
	}
	return nil
}

// nearest returns the candidate closest to s by edit distance, when it is
// close enough to be the key that was meant.
func nearest(s string, candidates []string) string {
	return textdist.Nearest(strings.ToLower(s), candidates)
}
