package pipelines

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark"
)

var (
	reASCIIWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+._-]*`)
	// Technical names a Chinese text may carry as they are.
	allowedInChinese = map[string]bool{"UTF-8": true, "UTF-16": true, "UTF-32": true, "GB18030": true, "GBK": true, "GB": true, "CSV": true,
		"JSON": true, "Excel": true, "KiB": true, "BOM": true, "xlsx": true, "csv": true, "json": true, "U+": true,
		// units are symbols, not words
		"mm": true, "ppm": true, "kg": true, "cm": true}
)

// englishWords returns the English words in a Chinese text: runs of
// letters that are not a technical name or part of a code (GH-001, U+0000).
func englishWords(s string) []string {
	var out []string
	for _, w := range reASCIIWord.FindAllString(s, -1) {
		w = strings.TrimRight(w, ".-")
		// A token with a digit or an underscore is a code or a value to
		// type (GH-001, rainfall_mm), not a word.
		if len(w) < 2 || allowedInChinese[w] || strings.ContainsAny(w, "0123456789_") {
			continue
		}
		out = append(out, w)
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Every Chinese message and template text is wholly Chinese and every
// English one wholly English: no string literal of the decoding and
// validation code mixes the two, and Chinese texts format numbers plainly
// (%g would print 1e+07) and quote with “” (not Go's %q).
func TestMessagesAreOneLanguage(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, pkg := range []string{"csvfile", "jsonfile", "xlsx"} {
		more, _ := filepath.Glob(filepath.Join("..", "connectors", pkg, "*.go"))
		files = append(files, more...)
	}
	more, _ := filepath.Glob(filepath.Join("..", "connectors", "*.go"))
	files = append(files, more...)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Literals in English positions (the first text of because, a
		// Reason field) may quote Chinese values; they are not Chinese text.
		english := map[*ast.BasicLit]bool{}
		markEnglish := func(e ast.Expr) {
			ast.Inspect(e, func(n ast.Node) bool {
				if l, ok := n.(*ast.BasicLit); ok {
					english[l] = true
				}
				return true
			})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "because" && len(x.Args) == 2 {
					markEnglish(x.Args[0])
				}
			case *ast.KeyValueExpr:
				if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Reason" {
					markEnglish(x.Value)
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if ok && english[lit] {
				return true
			}
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !hasHan(s) {
				return true
			}
			checked++
			if w := englishWords(s); len(w) > 0 {
				t.Errorf("%s: Chinese text %q has English words %q", fset.Position(lit.Pos()), s, w)
			}
			for _, verb := range []string{"%g", "%q", "%v", "%e"} {
				if strings.Contains(s, verb) {
					t.Errorf("%s: Chinese text %q formats with %s", fset.Position(lit.Pos()), s, verb)
				}
			}
			return true
		})
	}
	if checked < 50 {
		t.Errorf("only %d Chinese texts found: is the test looking in the right place?", checked)
	}
	// The contracts' Chinese texts too.
	ds, err := LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		texts := []string{d.TitleZh}
		for _, c := range d.Columns {
			texts = append(texts, c.HeaderZh, c.PatternHintZh)
			texts = append(texts, hint(c))
			if hasHan(c.PatternHint) {
				t.Errorf("%s.%s: pattern_hint %q is not wholly English", d.Name, c.Name, c.PatternHint)
			}
		}
		for _, s := range texts {
			if w := englishWords(s); len(w) > 0 {
				t.Errorf("%s: %q has English words %q", d.Name, s, w)
			}
		}
	}
}

func TestEnglishWords(t *testing.T) {
	for s, want := range map[string]string{
		"格式不符：an 18-character code": "an,character,code", "站点编号，如GH-001": "", "另存为“CSV UTF-8”": "", "单元格第2个字符是控制字符U+0000": "",
		"与sheet “月报” row 9重复": "sheet,row", "单位：mm": "", "范围：0～1e+07": "",
	} {
		if got := strings.Join(englishWords(s), ","); got != want {
			t.Errorf("englishWords(%q) = %q, want %q", s, got, want)
		}
	}
}

// A template's 填报单位 drop-down offers the departments that report the
// data set (before: every town and company in the seeds), and its hints
// write numbers plainly.
func TestTemplateDepartmentsAndRanges(t *testing.T) {
	r, _, _ := newRunner(t)
	for _, name := range []string{"zw_industrial_solid_waste", "indicator_reports"} {
		ds := r.Datasets[name]
		p := filepath.Join(t.TempDir(), name+".xlsx")
		tp := PlanTemplate(ds, r.Refs, r.Refs.Canonical(ds.Departments[0]), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), shanghai, nil)
		if err := WriteTemplate(p, tp, r.Refs); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := f.GetCols("选项")
		f.Close()
		var offered []string
		for _, c := range cols {
			if len(c) > 0 && c[0] == "填报单位" {
				for _, v := range c[1:] {
					if v != "" {
						offered = append(offered, v)
					}
				}
			}
		}
		want := reporters(r.Refs, ds)
		if strings.Join(offered, ",") != strings.Join(want, ",") || len(want) != len(ds.Departments) {
			t.Errorf("%s: 填报单位 offers %v, want %v", name, offered, want)
		}
		for _, d := range offered {
			// Units the bulletin names (供电公司, 旗邮政公司 report indicators);
			// never a town or an enterprise.
			if strings.HasSuffix(d, "镇") || r.Refs["departments.name_zh"][d] == nil {
				t.Errorf("%s: offers %s", name, d)
			}
		}
	}
	c, _, _ := r.Datasets["zw_industrial_solid_waste"].Column("generated_t")
	if h := hint(c); !strings.Contains(h, "范围：0～10000000") {
		t.Errorf("hint %q", h)
	}
}
