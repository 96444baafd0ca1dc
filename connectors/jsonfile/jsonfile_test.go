package jsonfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/connectors"
)

// rowsOf decodes body: one "cell|cell" line per row, "error: reason" per
// rejected record, and the error that stopped the read.
func rowsOf(t testing.TB, body string) ([]string, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(p, []byte(body), 0o644)
	rr, err := Open(p, connectors.Limits{})
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	var out []string
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return out, nil
		}
		var re *connectors.RowError
		if errors.As(err, &re) {
			out = append(out, "error: "+re.Reason)
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, strings.Join(row.Cells, "|"))
	}
}

func TestShapes(t *testing.T) {
	want := "period|value\n2023-05|1.5\n2023-06|"
	cases := map[string]string{
		"array":   `[{"value": 1.5, "period": "2023-05"}, {"period": "2023-06", "value": null}]`,
		"wrapped": `{"page": 1, "data": [{"period": "2023-05", "value": 1.5}, {"period": "2023-06"}], "total": 2}`,
		"ndjson":  "{\"period\":\"2023-05\",\"value\":1.5}\n{\"period\":\"2023-06\"}\n",
		"bom":     "\ufeff  [{\"period\":\"2023-05\",\"value\":1.5},{\"period\":\"2023-06\"}]",
	}
	for name, body := range cases {
		got, err := rowsOf(t, body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("%s: rows\n%s\nwant\n%s", name, strings.Join(got, "\n"), want)
		}
	}
}

// A key that only a later record carries is a column (before, the first
// record's keys were the header and later keys were dropped); values keep
// their text; nested values keep their JSON.
func TestKeysOfLaterRecordsAreColumns(t *testing.T) {
	got, err := rowsOf(t, `[{"a":1},{"a":2,"b":"x"},{"c":{"d":[1,"e\"f",null]},"a":0.10}]`)
	if err != nil {
		t.Fatal(err)
	}
	want := "a|b|c\n1||\n2|x|\n0.10||{\"d\":[1,\"e\\\"f\",null]}"
	if strings.Join(got, "\n") != want {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

// A record with the same key twice is rejected naming the key; the records
// around it are read. Before, one of the two values was taken silently.
func TestDuplicateKeysRejectTheRecord(t *testing.T) {
	got, err := rowsOf(t, "{\"v\":1,\"p\":\"a\"}\n{\"v\":2,\"p\":\"b\",\"v\":3}\n{\"v\":4,\"p\":\"c\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "p|v\na|1\nerror: record 2 (line 2) has the key \"v\" twice: which value is meant cannot be told; send it once\nc|4"
	if strings.Join(got, "\n") != want {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

func TestBadRecordsAndFiles(t *testing.T) {
	got, err := rowsOf(t, `[{"a":"ok"}, 5, {"a":"\ud800"}, {"a":"\u00e9\ud83d\ude00"}]`)
	if err != nil {
		t.Fatal(err)
	}
	want := "a\nok\nerror: record 2 (line 1) is not an object of key-value pairs; nothing of it was read\n" +
		"error: record 3 (line 1) has a \\u escape that is half of a character (a lone surrogate); nothing of it was read\né😀"
	if strings.Join(got, "\n") != want {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	for body, want := range map[string]string{
		`[{"period":"2023-05"}, {"period": "2023-06",]`: "line 1 (byte 44), in record 2: a string expected",
		`"just a string"`:        "a JSON array or object was expected",
		``:                       "the file is empty",
		`[]`:                     "the file holds no records",
		"[{\"a\":1}\n{\"a\":2}]": "line 2 (byte 9), in record 2: a comma between records expected",
		"[{\"a\":\"x\ny\"}]":     "a control character inside a string must be escaped",
		"\xff\xfe[\x00":          "UTF-16",
		`[{"a":1}] x`:            `unexpected 'x' after the records`,
		`[{"a":01}]`:             `a comma or } expected after a value, found '1'`,
		strings.Repeat("[", 300): "nested more than 256 deep",
		`[{"a":` + strings.Repeat("[", 300) + `]}]`: "nested more than 256 deep",
	} {
		_, err := rowsOf(t, body)
		var fe *connectors.FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, want) || fe.ReasonZh == "" {
			t.Errorf("%.40q: %v, want a FileError with %q", body, err, want)
		}
	}
}

// A 5 MiB string is kept to just over the cell limit; a record of many
// long values is a row error, and memory stays flat.
func TestHugeValues(t *testing.T) {
	big := strings.Repeat("x", 5<<20)
	var b strings.Builder
	b.WriteString(`[{"a":"` + big + `"},{"a":"1"`)
	for i := 0; i < 40; i++ {
		b.WriteString(fmt.Sprintf(`,"k%02d":"%s"`, i, strings.Repeat("y", 30<<10)))
	}
	b.WriteString(`},{"a":"2"}]`)
	got, err := rowsOf(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || len(strings.Split(got[1], "|")[0]) != connectors.MaxCellBytes+1 ||
		!strings.HasPrefix(got[2], "error: record 2 (line 1) is longer than 1048576 bytes") || !strings.HasPrefix(got[3], "2|") {
		for i := range got {
			got[i] = got[i][:min(len(got[i]), 80)]
		}
		t.Errorf("rows %q", got)
	}
}
