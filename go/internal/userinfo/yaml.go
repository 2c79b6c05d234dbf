package userinfo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"gopkg.in/yaml.v3"
)

// The files are read by PyYAML's safe_load, a YAML 1.1 loader. The writer
// therefore double-quotes every string and every key (a double-quoted scalar is
// always a string, whatever it looks like) and escapes everything outside
// printable ASCII, as PyYAML's own safe_dump and Python's json.dumps do, so the
// text survives any locale of the reader. Values read back from an existing
// file keep their YAML 1.1 meaning: a plain scalar that PyYAML would load as a
// number, date or other non-string is written back verbatim (rawScalar).

// mapKey identifies an entry of a mapping: a string key, or (raw) the verbatim
// text of a plain non-string key such as `1` or `2026-01-01` read from a file.
type mapKey struct {
	text string
	raw  bool
}

// rawScalar is a scalar read from an existing file that PyYAML does not load as
// a string (an int like 0x1F, a date, a tagged value). It is written back as is.
type rawScalar string

type entry struct {
	key   mapKey
	value any
}

// omap is a YAML mapping that keeps its keys in insertion order, like a
// Python dict.
type omap struct {
	entries []entry
	index   map[mapKey]int
}

func newOMap() *omap { return &omap{index: map[mapKey]int{}} }

func (m *omap) get(k mapKey) (any, bool) {
	i, ok := m.index[k]
	if !ok {
		return nil, false
	}
	return m.entries[i].value, true
}

// set updates the value of k in place, or appends k (dict.__setitem__).
func (m *omap) set(k mapKey, v any) {
	if i, ok := m.index[k]; ok {
		m.entries[i].value = v
		return
	}
	m.index[k] = len(m.entries)
	m.entries = append(m.entries, entry{key: k, value: v})
}

func strKey(s string) mapKey { return mapKey{text: s} }

// fromJSON turns a decoded JSON value into the document model: objects become
// ordered mappings (keys sorted, since Go maps have no order).
func fromJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := newOMap()
		for _, k := range slices.Sorted(maps.Keys(t)) {
			m.set(strKey(k), fromJSON(t[k]))
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = fromJSON(item)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = item
		}
		return out
	}
	return v
}

// ---------------------------------------------------------------- writing

// quote returns s as a YAML double-quoted scalar holding only printable ASCII.
// Without astral characters it is also a JSON string.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var jsonInt = newLazyRegexp(`^-?[0-9]+$`)

// formatFloat writes f so that a YAML 1.1 loader reads a float: YAML 1.1
// needs a dot in the mantissa and a sign in the exponent.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+20, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	return mant + "e" + exp
}

// scalar returns the YAML text of a scalar value, or false for collections.
func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "null", true
	case string:
		return quote(t), true
	case rawScalar:
		return string(t), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	case json.Number:
		if jsonInt.MatchString(string(t)) {
			return string(t), true
		}
		f, err := t.Float64()
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return quote(string(t)), true
		}
		return formatFloat(f), true
	case float64:
		return formatFloat(t), true
	case ansible.NonFinite:
		return formatFloat(float64(t)), true
	case float32:
		return formatFloat(float64(t)), true
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	}
	return "", false
}

// maxImplicitKey is below the 1024 characters YAML allows for an implicit key;
// longer keys use the explicit `? key` form.
const maxImplicitKey = 1000

// encodeDocument renders a mapping as a YAML document starting with `---`.
func encodeDocument(m *omap) string {
	var b strings.Builder
	b.WriteString("---\n")
	if len(m.entries) == 0 {
		b.WriteString("{}\n")
		return b.String()
	}
	writeMapping(&b, m, 0)
	return b.String()
}

// plainKey matches keys that read better unquoted and cannot be mistaken for
// anything but a string once plainValue has ruled out yes/no/null and friends.
var plainKey = newLazyRegexp(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

func keyText(k mapKey) string {
	if k.raw {
		return k.text
	}
	if plainKey.MatchString(k.text) {
		if _, isString := plainValue(k.text).(string); isString {
			return k.text
		}
	}
	return quote(k.text)
}

func writeMapping(b *strings.Builder, m *omap, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, e := range m.entries {
		k := keyText(e.key)
		if len(k) > maxImplicitKey {
			b.WriteString(pad + "? " + k + "\n" + pad + ":")
		} else {
			b.WriteString(pad + k + ":")
		}
		writeValue(b, e.value, indent)
	}
}

// writeValue writes v after a `key:` or `-` indicator at the given indent.
func writeValue(b *strings.Builder, v any, indent int) {
	if s, ok := scalar(v); ok {
		b.WriteString(" " + s + "\n")
		return
	}
	switch t := v.(type) {
	case map[string]any:
		writeValue(b, fromJSON(t), indent)
	case []string:
		writeValue(b, fromJSON(t), indent)
	case tagged:
		b.WriteString(" " + t.tag)
		writeValue(b, t.value, indent)
	case *omap:
		if len(t.entries) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		writeMapping(b, t, indent+2)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		pad := strings.Repeat(" ", indent+2)
		for _, item := range t {
			b.WriteString(pad + "-")
			writeValue(b, item, indent+2)
		}
	default:
		// Unknown Go types never reach here from JSON or YAML input; keep
		// the file loadable anyway.
		b.WriteString(" " + quote(fmt.Sprint(t)) + "\n")
	}
}

// ---------------------------------------------------------------- reading

// lazyRegexp is a regexp compiled when first used: this module shares its
// binary with the others (go/cmd/litellm_vk), which should not pay for
// compiling these at every start.
type lazyRegexp struct{ compiled func() *regexp.Regexp }

func newLazyRegexp(expr string) lazyRegexp {
	return lazyRegexp{sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// MatchString reports whether s matches, compiling the expression first if needed.
func (l lazyRegexp) MatchString(s string) bool { return l.compiled().MatchString(s) }

// PyYAML's implicit resolvers (yaml/resolver.py, YAML 1.1).
var (
	yaml11Bool  = newLazyRegexp(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yaml11Float = newLazyRegexp(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yaml11Int   = newLazyRegexp(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yaml11Null  = newLazyRegexp(`^(?:~|null|Null|NULL|)$`)
	yaml11Time  = newLazyRegexp(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
	yaml11Other = newLazyRegexp(`^(?:<<|=)$`)
)

// plainValue gives a plain (unquoted) scalar the meaning PyYAML gives it.
func plainValue(s string) any {
	switch {
	case yaml11Null.MatchString(s):
		return nil
	case yaml11Bool.MatchString(s):
		switch s[0] {
		case 'y', 'Y', 't', 'T':
			return true
		case 'o', 'O':
			return s[1] == 'n' || s[1] == 'N'
		}
		return false
	case yaml11Float.MatchString(s), yaml11Int.MatchString(s), yaml11Time.MatchString(s), yaml11Other.MatchString(s):
		return rawScalar(s)
	}
	return s
}

// ErrNotMapping means an existing data file does not hold a YAML mapping.
var ErrNotMapping = errors.New("does not hold a YAML mapping")

// ErrUnreadable means an existing data file holds something AgnosticD's
// reader (PyYAML's safe_load) rejects, or more than the one document it
// reads: rewriting it would lose content or write a file no reader can load,
// so the call fails and leaves it alone (AgnosticD fails on it too).
var ErrUnreadable = errors.New("cannot be updated without losing content")

// decodeDocument reads an existing data file. A missing, empty or `---`-only
// file is an empty mapping, and so is a document PyYAML loads as a falsy
// value (`[]`, `0`, `""`), as AgnosticD's `safe_load(fh) or {}` makes it.
func decodeDocument(text []byte) (*omap, error) {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return newOMap(), nil
		}
		return nil, err
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: it holds more than one YAML document (another starts at line %d); the file is left as it is", ErrUnreadable, second.Line)
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return newOMap(), nil
		}
		n = n.Content[0]
	}
	if n.Kind == 0 {
		return newOMap(), nil
	}
	v, err := newNodeReader(n).fromNode(n)
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case *omap:
		return t, nil
	case nil:
		return newOMap(), nil
	case []any:
		if len(t) == 0 {
			return newOMap(), nil
		}
	case string:
		if t == "" {
			return newOMap(), nil
		}
	case bool:
		if !t {
			return newOMap(), nil
		}
	case rawScalar:
		if zeroNumber.MatchString(string(t)) {
			return newOMap(), nil
		}
	}
	return nil, ErrNotMapping
}

// aliasExpansion is how many times its own size a document's aliases may
// expand it to. PyYAML shares an anchored value among its aliases; this reader
// copies it, so a few nested aliases ("a billion laughs") would take
// exponential time and memory, and rewriting the file would write them all out.
const aliasExpansion = 10

// nodeReader turns yaml.Nodes into values within a budget of values made.
type nodeReader struct{ left, limit int }

func newNodeReader(root *yaml.Node) *nodeReader {
	limit := aliasExpansion*countNodes(root) + 1000
	return &nodeReader{left: limit, limit: limit}
}

// countNodes counts the nodes of the tree as written, not following aliases.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

// zeroNumber matches the plain ints and floats PyYAML loads as zero.
var zeroNumber = regexp.MustCompile(`^[-+]?(?:0[0_]*|0b[0_]+|0x[0_]+|[0_]*\.[0_]*(?:[eE][-+][0-9]+)?)$`)

func (r *nodeReader) fromNode(n *yaml.Node) (any, error) {
	if r.left--; r.left < 0 {
		return nil, fmt.Errorf("%w: its aliases expand to more than %d values (more than %d times the document)", ErrUnreadable, r.limit, aliasExpansion)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return r.fromNode(n.Alias)
	case yaml.ScalarNode:
		return scalarFromNode(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := r.fromNode(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return collectionTag(n, out)
	case yaml.MappingNode:
		m, err := r.mappingFromNode(n)
		if err != nil {
			return nil, err
		}
		return collectionTag(n, m)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return r.fromNode(n.Content[0])
	}
	return nil, fmt.Errorf("unsupported YAML node at line %d", n.Line)
}

// tagged is a collection read with an explicit tag PyYAML constructs into
// something else than a dict or list (!!set, !!omap, !!pairs); it is written
// back with its tag so that it loads as the same type.
type tagged struct {
	tag   string
	value any // *omap or []any
}

func collectionTag(n *yaml.Node, v any) (any, error) {
	if n.Style&yaml.TaggedStyle == 0 {
		return v, nil
	}
	switch n.Tag {
	case "!!map", "!!seq":
		if (n.Tag == "!!map") == (n.Kind == yaml.MappingNode) {
			return v, nil
		}
	case "!!set":
		if n.Kind == yaml.MappingNode {
			return tagged{n.Tag, v}, nil
		}
	case "!!omap", "!!pairs":
		if n.Kind == yaml.SequenceNode {
			return tagged{n.Tag, v}, nil
		}
	}
	return nil, unreadable(n, "the tag "+n.Tag)
}

func unreadable(n *yaml.Node, what string) error {
	return fmt.Errorf("%w: line %d: PyYAML's safe_load cannot read %s; the file is left as it is", ErrUnreadable, n.Line, what)
}

// Tagged scalars PyYAML's SafeLoader constructs, and how to check their text.
var yaml11BinaryClean = strings.NewReplacer(" ", "", "\n", "", "\t", "", "\r", "")

func scalarFromNode(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str" && n.Tag != "!" {
		return taggedScalar(n)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Style&yaml.TaggedStyle != 0 {
		return n.Value, nil
	}
	v := plainValue(n.Value)
	if r, ok := v.(rawScalar); ok && !constructible(string(r)) {
		return nil, unreadable(n, fmt.Sprintf("the value %q", n.Value))
	}
	return v, nil
}

// taggedScalar keeps an explicitly tagged scalar PyYAML can construct, written
// in a form that loads as the same value.
func taggedScalar(n *yaml.Node) (any, error) {
	s := n.Value
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return true, nil
		case "no", "false", "off":
			return false, nil
		}
	case "!!int":
		if yaml11Int.MatchString(s) && constructible(s) {
			return rawScalar(s), nil
		}
	case "!!float":
		if yaml11Float.MatchString(s) {
			return rawScalar(s), nil
		}
		if decimalInt.MatchString(s) {
			return rawScalar(s + ".0"), nil
		}
	case "!!timestamp":
		if yaml11Time.MatchString(s) && constructible(s) {
			return rawScalar(s), nil
		}
	case "!!binary":
		if _, err := base64.StdEncoding.DecodeString(yaml11BinaryClean.Replace(s)); err == nil {
			return rawScalar("!!binary " + quote(s)), nil
		}
	}
	return nil, unreadable(n, fmt.Sprintf("the value %s %q", n.Tag, s))
}

var decimalInt = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// constructible reports whether PyYAML's SafeLoader can build the non-string
// value a plain scalar resolves to: `=` (tag:yaml.org,2002:value) and a `<<`
// outside a merge have no constructor, a timestamp must be a real date and
// time, and a 0b/0x int needs a digit.
func constructible(s string) bool {
	switch {
	case yaml11Other.MatchString(s):
		return false
	case yaml11Time.MatchString(s):
		return validTimestamp(s)
	case yaml11Int.MatchString(s):
		t := strings.TrimLeft(strings.ReplaceAll(s, "_", ""), "+-")
		return t != "0b" && t != "0x" && t != ""
	}
	return true
}

var timestampParts = regexp.MustCompile(`^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]*)?(?:[ \t]*(Z|[-+]([0-9]{1,2})(?::([0-9]{2}))?))?)?$`)

// validTimestamp applies the range checks of Python's date, datetime and
// timezone to a YAML 1.1 timestamp.
func validTimestamp(s string) bool {
	p := timestampParts.FindStringSubmatch(s)
	if p == nil {
		return false
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(p[i])
		return n
	}
	y, mo, d := num(1), num(2), num(3)
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return false
	}
	if p[4] != "" && (num(4) > 23 || num(5) > 59 || num(6) > 59) {
		return false
	}
	if p[8] != "" && (num(8) > 23 || (p[9] != "" && num(9) > 59)) {
		return false
	}
	return true
}

func keyFromNode(n *yaml.Node) (mapKey, error) {
	if n.Kind == yaml.AliasNode {
		return keyFromNode(n.Alias)
	}
	if n.Kind != yaml.ScalarNode {
		return mapKey{}, fmt.Errorf("unsupported non-scalar mapping key at line %d", n.Line)
	}
	v, err := scalarFromNode(n)
	if err != nil {
		return mapKey{}, err
	}
	switch v := v.(type) {
	case string:
		return strKey(v), nil
	case rawScalar:
		return mapKey{text: string(v), raw: true}, nil
	}
	// null and booleans as keys: keep the text the file used; an empty
	// (implicit) null key, as in `? ` with nothing after it, is written `null`.
	if n.Value == "" {
		return mapKey{text: "null", raw: true}, nil
	}
	return mapKey{text: n.Value, raw: true}, nil
}

// mappingFromNode builds a mapping, applying `<<` merge keys like PyYAML:
// explicit keys win over merged ones, earlier merge sources over later ones.
func (r *nodeReader) mappingFromNode(n *yaml.Node) (*omap, error) {
	m := newOMap()
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.Style&^yaml.TaggedStyle == 0 && kn.Value == "<<" && (kn.Tag == "!!merge" || kn.Tag == "") {
			merges = append(merges, vn)
			continue
		}
		k, err := keyFromNode(kn)
		if err != nil {
			return nil, err
		}
		v, err := r.fromNode(vn)
		if err != nil {
			return nil, err
		}
		m.set(k, v)
	}
	for _, src := range merges {
		for src.Kind == yaml.AliasNode {
			src = src.Alias
		}
		sources := []*yaml.Node{src}
		if src.Kind == yaml.SequenceNode {
			sources = src.Content
		}
		for _, s := range sources {
			v, err := r.fromNode(s)
			if err != nil {
				return nil, err
			}
			sm, ok := v.(*omap)
			if !ok {
				return nil, fmt.Errorf("merge key at line %d does not refer to a mapping", s.Line)
			}
			for _, e := range sm.entries {
				if _, exists := m.get(e.key); !exists {
					m.set(e.key, e.value)
				}
			}
		}
	}
	return m, nil
}
