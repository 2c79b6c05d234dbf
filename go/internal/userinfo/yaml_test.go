package userinfo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyStrings look like something else to a YAML 1.1 reader, or test
// escaping; each must load back as the same string.
var trickyStrings = []string{
	"yes", "no", "on", "off", "Yes", "OFF", "true", "False", "y", "n",
	"~", "null", "Null", "NULL", "",
	"0123", "0x1F", "0b101", "0o17", "1_000", "1e3", "1.5e+3", ".5", "1.", "+1", "-0",
	"12:30", "190:20:30", "1:20.5", ".inf", "-.Inf", ".nan",
	"2026-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
	"<<", "=", "-", "- x", "? x", ": x", "a: b", "a #b", "#c", "[x]", "{y: z}", "'s'", `"d"`,
	"!tag", "&anchor", "*alias", "|", ">", "%YAML", "@x", "`x`", "---", "...",
	" lead", "trail ", "a\nb", "a\n\nb\n", "\t", "\r\n", `back\slash`, `\n`,
	"é", "日本語", "😀 emoji", "\u2028line\u2029sep", "\u0085nel", "\x7f\x01\x1b", "\ufeffbom", "\uffff",
	"sk-abc123", "https://x.example/v1?a=b&c=d",
}

func TestQuotedStringsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, s := range trickyStrings {
		m := newOMap()
		m.set(strKey(s), s)
		m.set(strKey("list"), []any{s})
		p := filepath.Join(dir, "f"+string(rune('a'+i/26))+string(rune('a'+i%26))+".yaml")
		require.NoError(t, os.WriteFile(p, []byte(encodeDocument(m)), 0o600))
		paths = append(paths, p)
	}
	got := pyLoad(t, paths...)
	for i, s := range trickyStrings {
		assert.Equal(t, map[string]any{s: s, "list": []any{s}}, got[i], "%q", s)
	}
}

func TestInfoLinesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	lines := append([]string(nil), trickyStrings...)
	_, err := appendLines(filepath.Join(dir, "info.yaml"), lines, false)
	require.NoError(t, err)
	got := pyLoad(t, filepath.Join(dir, "info.yaml"))
	want := make([]any, len(lines))
	for i, l := range lines {
		want[i] = l
	}
	assert.Equal(t, want, got[0])
}

// TestTypesRoundTrip: values from JSON keep their types through our writer
// and PyYAML.
func TestTypesRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ints", `{"a":1,"b":-7,"c":0,"big":123456789012345678901234567890}`, ""},
		{"floats", `{"a":1.5,"b":-0.25,"c":3.0,"d":1e20,"e":1e-7,"f":1.7976931348623157e308,"g":5e-324,"h":0.0001,"i":1e16}`,
			`{"a":1.5,"b":-0.25,"c":3.0,"d":1e20,"e":1e-7,"f":1.7976931348623157e308,"g":5e-324,"h":0.0001,"i":1e16}`},
		{"bools and null", `{"t":true,"f":false,"n":null}`, ""},
		{"nested", `{"l":[1,"yes",[],{},[["x"]],{"k":[null]}],"d":{"e":{"f":"g"}},"el":[],"ed":{}}`, ""},
		{"keys", `{"yes":"1","0123":2,"2026-01-01":"d","~":"n","":"empty","a: b":"c","é":"e"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := jsonValue(t, tt.in)
			p := filepath.Join(t.TempDir(), "d.yaml")
			require.NoError(t, os.WriteFile(p, []byte(encodeDocument(fromJSON(v).(*omap))), 0o600))
			want := tt.want
			if want == "" {
				want = tt.in
			}
			got := pyLoad(t, p)[0]
			// Compare as Python would: numbers by value and kind (int vs float).
			assert.Equal(t, normNumbers(t, jsonValue(t, want)), normNumbers(t, got))
		})
	}
}

// normNumbers makes 1e20 and 100000000000000000000.0 comparable: floats become
// float64, ints stay text.
func normNumbers(t *testing.T, v any) any {
	switch x := v.(type) {
	case json.Number:
		if jsonInt.MatchString(string(x)) {
			return "int:" + string(x)
		}
		f, err := x.Float64()
		require.NoError(t, err)
		return f
	case []any:
		for i := range x {
			x[i] = normNumbers(t, x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normNumbers(t, x[k])
		}
	}
	return v
}

// TestExistingFilePreserved: a file written by PyYAML or by hand keeps its
// YAML 1.1 meaning when we merge into it: plain yes stays a boolean, 0x1F an
// int, a date a date, merge keys and anchors resolved.
func TestExistingFilePreserved(t *testing.T) {
	files := []string{
		"---\na: yes\nb: 'yes'\nc: 0x1F\nd: 2026-01-01\ne: 12:30\nf: ~\ng:\nh: 1_000\ni: .inf\nj: 0123\nk: 1.5\nl: 1e3\n",
		"---\nbase: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nlist: [*b, *b]\nmulti: [{<<: [{p: 1}, {p: 2, q: 3}]}]\n",
		"---\nstr: !!str 123\nint: !!int \"7\"\nlit: |\n  line1\n  line2\nfold: >\n  a\n  b\nplain: multi\n  line\n1: int key\n2026-01-02: date key\ntrue: bool key\n",
		"---\n# comment only\n",
		"",
		"--- {}\n",
		"---\nusers:\n  alice: {msg: hello, key: sk-1}\n",
		"---\nunicode: \"\\xE9\\u2013\\U0001F600\"\nraw: é–😀\n",
	}
	for i, f := range files {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			dir := t.TempDir()
			orig := filepath.Join(dir, "orig.yaml")
			require.NoError(t, os.WriteFile(orig, []byte(f), 0o600))
			doc, err := decodeDocument([]byte(f))
			require.NoError(t, err)
			again := filepath.Join(dir, "again.yaml")
			require.NoError(t, os.WriteFile(again, []byte(encodeDocument(doc)), 0o600))
			got := pyLoad(t, orig, again)
			want := got[0]
			if want == nil {
				want = map[string]any{}
			}
			assert.Equal(t, want, got[1], "rewritten:\n%s", readFile(t, again))
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, f := range []string{"---\n- a\n", "just text\n", "a: [\n"} {
		_, err := decodeDocument([]byte(f))
		assert.Error(t, err, f)
	}
}

func TestFormatFloat(t *testing.T) {
	for in, want := range map[float64]string{1: "1.0", 1.5: "1.5", 1e20: "1.0e+20", 1.25e-7: "1.25e-07", -0.0001: "-0.0001", 0: "0.0"} {
		assert.Equal(t, want, formatFloat(in), "%v", in)
	}
}

// FuzzDecodeEncode: whatever decodes encodes to a document that decodes to
// the same encoding (the writer's output is a fixed point).
func FuzzDecodeEncode(f *testing.F) {
	f.Add("---\na: yes\nb: [1, '2', {c: ~}]\n")
	f.Add("x: &a {y: 1}\nz: {<<: *a}\n")
	f.Add("\"k\\u00e9\": \"\\U0001F600\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := decodeDocument([]byte(s))
		if err != nil {
			return
		}
		out := encodeDocument(doc)
		doc2, err := decodeDocument([]byte(out))
		require.NoError(t, err, "input %q\noutput:\n%s", s, out)
		assert.Equal(t, out, encodeDocument(doc2))
	})
}

// TestDecodeUnreadable: content PyYAML's safe_load cannot read, or more than
// one document, is refused (rewriting would write an unloadable file or drop
// the other documents); what it can read is kept with its type.
func TestDecodeUnreadable(t *testing.T) {
	t.Parallel()
	for _, f := range []string{
		"---\na: 1\n---\nb: 2\n", "a: 1\n---\n", "---\n---\n",
		"eq: =\n", "m: <<\n", "d: 2026-02-30\n", "d: 2026-13-01\n", "t: 2026-01-01 25:00:00\n", "i: 0x_\n",
		"t: !custom x\n", "t: !!python/name:os.system x\n", "b: !!bool maybe\n", "i: !!int abc\n",
		"f: !!float x\n", "ts: !!timestamp yesterday\n", "bin: !!binary '*'\n", "s: !custom {a: 1}\n",
		"s: !!set [a]\n", "o: !!omap {a: 1}\n", "k: !!merge x\n",
	} {
		_, err := decodeDocument([]byte(f))
		assert.ErrorIs(t, err, ErrUnreadable, "%q", f)
	}
	dir := t.TempDir()
	var paths []string
	kept := []string{
		"s: !!set {a: null, b: null}\no: !!omap [{a: 1}, {b: 2}]\np: !!pairs [{a: 1}]\n",
		"i: !!int '7'\nf: !!float '3'\ng: !!float 1.5\nb: !!bool 'yes'\nn: !!null x\nbin: !!binary aGk=\nts: !!timestamp 2026-01-02\n",
		"d: 2024-02-29\nt: 2026-01-01 23:59:59 +05:30\nl: [!!set {x: null}]\n",
		"[]\n", "0\n", "''\n", "false\n",
	}
	for i, f := range kept {
		doc, err := decodeDocument([]byte(f))
		require.NoError(t, err, f)
		p := filepath.Join(dir, string(rune('a'+i))+".yaml")
		require.NoError(t, os.WriteFile(p, []byte(encodeDocument(doc)), 0o600))
		paths = append(paths, p)
	}
	got := pyLoad(t, paths...)
	assert.Equal(t, jsonValue(t, `{"s": {"<set>": ["a", "b"]}, "o": [{"<tuple>": ["a", 1]}, {"<tuple>": ["b", 2]}], "p": [{"<tuple>": ["a", 1]}]}`), got[0])
	assert.Equal(t, jsonValue(t, `{"i": 7, "f": 3.0, "g": 1.5, "b": true, "n": null, "bin": "<bytes b'hi'>", "ts": "<date datetime.date(2026, 1, 2)>"}`), got[1])
	m := got[2].(map[string]any)
	assert.Equal(t, "<date datetime.date(2024, 2, 29)>", m["d"])
	assert.Contains(t, m["t"], "datetime.datetime(2026, 1, 1")
	assert.Equal(t, []any{map[string]any{"<set>": []any{"x"}}}, m["l"])
	for i := 3; i < len(kept); i++ {
		assert.Equal(t, map[string]any{}, got[i], "a falsy document is an empty mapping, as in AgnosticD: %q", kept[i])
	}
}

// TestDecodeAliasBomb: aliases that would expand a file exponentially ("a
// billion laughs") are refused at once instead of taking the module down;
// ordinary anchors and merges still read.
func TestDecodeAliasBomb(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	start := time.Now()
	_, err := decodeDocument([]byte(bomb))
	assert.ErrorIs(t, err, ErrUnreadable)
	assert.Contains(t, err.Error(), "aliases expand to more than")
	assert.Less(t, time.Since(start), 2*time.Second, "refused without expanding")

	doc, err := decodeDocument([]byte("base: &b {x: 1, y: [1, 2]}\nu1: {<<: *b, z: 3}\nu2: *b\n"))
	require.NoError(t, err)
	assert.Contains(t, encodeDocument(doc), "u2:")
}
