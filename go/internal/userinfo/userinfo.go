// Package userinfo writes AgnosticD's user-info files: the messages and data
// that RHDP's completion callback, Babylon emails, the workshop UI and
// Showroom read from `{output_dir}/{action}-user-{info,body,data}.yaml`.
//
// It keeps AgnosticD v2's contract (files, formats, merge rules, order of
// writes; see docs/agnosticd-user-info.md, which also lists every deliberate
// difference) and adds what the original lacks: the data file is replaced
// atomically, every writer holds an exclusive flock on output_dir so that
// concurrent tasks lose nothing, the YAML keeps its types under PyYAML's YAML
// 1.1 rules, existing content PyYAML cannot read is refused rather than
// rewritten, check mode writes nothing, and one call can write every user of
// a lab (ApplyAll).
package userinfo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
)

// Errors a call can fail with. ErrMutuallyExclusive and ErrDataNotDict carry
// AgnosticD's exact texts.
var (
	ErrMutuallyExclusive = errors.New("msg and body are mutually exclusive")
	ErrDataNotDict       = errors.New("data must be a dictionary of name/value pairs")
	ErrBadText           = errors.New("must be a string or a list of strings")
	ErrNotDict           = errors.New("is not a mapping")
	ErrNotString         = errors.New("is not a string: cannot append to it")
	ErrBadUser           = errors.New("user must be a string, a number or a boolean")
)

// Default values used when output_dir or action are empty.
const (
	DefaultOutputDir = "."
	DefaultAction    = "provision"
)

// Text is the value of `msg` or `body`: one string, or a list of strings.
type Text struct {
	Lines  []string
	IsList bool
	// Raw is the value as given (list items and scalars keep their types);
	// a per-user body, and a per-user msg that is not a list, are stored so.
	Raw any
	// Opaque: a per-user value that is no text (a dict, a list holding
	// lists or dicts). It is stored as given when the user has no msg/body
	// yet, like AgnosticD; it cannot be appended to one.
	Opaque bool
}

// NewUserText is NewText for a per-user msg or body, which AgnosticD stores
// as given whatever its type: a dict is kept as an opaque value instead of
// being refused, and so is a list holding collections when keepLists (a body;
// a msg list is joined into text).
func NewUserText(name string, v any, keepLists bool) (*Text, error) {
	t, err := NewText(name, v)
	if _, isList := v.([]any); errors.Is(err, ErrBadText) && (keepLists || !isList) {
		return &Text{Raw: v, Opaque: true}, nil
	}
	return t, err
}

// NewText converts a raw parameter value (a JSON string, list or scalar) into
// a Text. nil means not given. Numbers and booleans become their text, like
// Python's str(); nested lists and dicts are rejected.
func NewText(name string, v any) (*Text, error) {
	toLine := func(v any) (string, error) {
		switch t := v.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case ansible.NonFinite:
			return pyFloatStr(float64(t)), nil
		case bool:
			if t {
				return "True", nil
			}
			return "False", nil
		case nil:
			return "None", nil
		}
		return "", fmt.Errorf("%s %w", name, ErrBadText)
	}
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		lines := make([]string, len(t))
		for i, item := range t {
			s, err := toLine(item)
			if err != nil {
				return nil, err
			}
			lines[i] = s
		}
		return &Text{Lines: lines, IsList: true, Raw: v}, nil
	case []string:
		return &Text{Lines: append([]string(nil), t...), IsList: true, Raw: v}, nil
	}
	s, err := toLine(v)
	if err != nil {
		return nil, err
	}
	return &Text{Lines: []string{s}, Raw: v}, nil
}

// pyFloatStr is Python's str() of a non-finite float.
func pyFloatStr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Truthy reports whether Python would consider the value true.
func (t *Text) Truthy() bool {
	if t == nil {
		return false
	}
	if t.IsList {
		return len(t.Lines) > 0
	}
	if t.Opaque {
		return truthy(t.Raw)
	}
	return truthy(t.Raw) || (t.Raw == nil && t.Lines[0] != "")
}

// Value returns the value as given: a string or a list of strings.
func (t *Text) Value() any {
	if t == nil {
		return nil
	}
	if t.IsList {
		return t.Lines
	}
	return t.Lines[0]
}

func (t *Text) prefixed(p string) any {
	if t.IsList {
		out := make([]string, len(t.Lines))
		for i, l := range t.Lines {
			out[i] = p + l
		}
		return out
	}
	return p + t.Lines[0]
}

// joined is the text appended to a per-user msg or body: list items joined
// with newlines.
func (t *Text) joined() string { return strings.Join(t.Lines, "\n") }

// Request is one call of agnosticd_user_info.
type Request struct {
	Msg  *Text // nil: not given
	Body *Text // nil: not given
	// Data is the raw `data` value (nil: not given, or null when DataNull).
	// It must be a map[string]any when truthy.
	Data any
	// DataNull: data was given as null; a new per-user entry is then null.
	DataNull bool
	// User scopes the call to one user: a string, or a number or boolean kept
	// as a key of that type. A falsy value (nil, "", 0, false) means no user.
	User       any
	DataPrefix string
	OutputDir  string // empty: DefaultOutputDir
	Action     string // empty: DefaultAction
}

// Options change how Apply writes.
type Options struct {
	// CheckMode: compute and report every write, perform none.
	CheckMode bool
	// LockTimeout bounds the wait for the lock (default 2 minutes).
	LockTimeout time.Duration
}

// Write is one file operation of a call.
type Write struct {
	Path string `json:"path"`
	// Op is "append" (Content is appended) or "replace" (Content is the
	// file's new content).
	Op      string `json:"op"`
	Content string `json:"content"`
	// Before is the file's content before the call ("" when missing).
	Before string `json:"-"`
}

// After returns the file's content after the write.
func (w Write) After() string {
	if w.Op == "append" {
		return w.Before + w.Content
	}
	return w.Content
}

// Paths of the three files of an action.
func infoPath(dir, action string) string { return filepath.Join(dir, action+"-user-info.yaml") }
func bodyPath(dir, action string) string { return filepath.Join(dir, action+"-user-body.yaml") }
func dataPath(dir, action string) string { return filepath.Join(dir, action+"-user-data.yaml") }

// truthy is Python's bool() for a decoded JSON value.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case string:
		return t != ""
	case bool:
		return t
	case json.Number:
		f, err := t.Float64()
		return err != nil || f != 0
	case float64:
		return t != 0
	case int:
		return t != 0
	case []any:
		return len(t) > 0
	case []string:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}

// userKey is the mapping key of a (truthy) user.
func userKey(u any) (mapKey, error) {
	switch t := u.(type) {
	case string:
		return strKey(t), nil
	case bool:
		return mapKey{text: "true", raw: true}, nil
	case json.Number:
		if jsonInt.MatchString(string(t)) {
			return mapKey{text: string(t), raw: true}, nil
		}
		if f, err := t.Float64(); err == nil {
			return mapKey{text: formatFloat(f), raw: true}, nil
		}
	case ansible.NonFinite:
		return mapKey{text: formatFloat(float64(t)), raw: true}, nil
	}
	return mapKey{}, ErrBadUser
}

// userName is a user as error messages show it.
func userName(u any) string { return fmt.Sprint(u) }

// Validate checks a request like AgnosticD does, before anything is written.
func (r *Request) Validate() error {
	if r.Msg.Truthy() && r.Body.Truthy() {
		return ErrMutuallyExclusive
	}
	if truthy(r.Data) {
		if _, ok := r.Data.(map[string]any); !ok {
			return ErrDataNotDict
		}
	}
	if truthy(r.User) {
		if _, err := userKey(r.User); err != nil {
			return err
		}
	}
	return nil
}

// hasUser reports whether the call is scoped to a user (AgnosticD's `if user`).
func (r *Request) hasUser() bool { return truthy(r.User) }

// needsData reports whether the call reads and rewrites the data file.
func (r *Request) needsData() bool { return r.hasUser() || truthy(r.Data) }

// Apply performs one call: it appends the owner's messages to the info and
// body files, then merges data (and per-user messages) into the data file, all
// under the lock. It returns the writes it made, or in check mode the writes it
// would make.
func Apply(ctx context.Context, r Request, opt Options) ([]Write, error) {
	return ApplyAll(ctx, []Request{r}, opt)
}

// ApplyAll performs a sequence of calls on the same output_dir and action
// (those of the first request) under one lock, reading and replacing the data
// file once. The files end up exactly as after the calls one by one. Every
// request is validated before anything is written; a data file that cannot be
// read fails the sequence after the appends of the requests before it, like
// the single calls would, and is left as it was.
func ApplyAll(ctx context.Context, reqs []Request, opt Options) ([]Write, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	for i := range reqs {
		if err := reqs[i].Validate(); err != nil {
			return nil, err
		}
	}
	dir, action := reqs[0].OutputDir, reqs[0].Action
	if dir == "" {
		dir = DefaultOutputDir
	}
	if action == "" {
		action = DefaultAction
	}
	work := false
	for i := range reqs {
		r := &reqs[i]
		work = work || r.needsData() || (!r.hasUser() && (r.Msg != nil || r.Body != nil))
	}
	if !work {
		return nil, nil
	}

	if !opt.CheckMode {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create output_dir: %w", err)
		}
		timeout := opt.LockTimeout
		if timeout <= 0 {
			timeout = 2 * time.Minute
		}
		lctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		l, err := lock(lctx, dir)
		if err != nil {
			return nil, err
		}
		defer func() { _ = l.unlock() }()
	}

	var writes []Write
	appended := map[string]int{} // path -> index in writes
	var data *dataFile
	for i := range reqs {
		r := &reqs[i]
		if !r.hasUser() {
			for _, a := range []struct {
				path string
				text *Text
			}{{infoPath(dir, action), r.Msg}, {bodyPath(dir, action), r.Body}} {
				if a.text == nil {
					continue
				}
				w, err := appendLines(a.path, a.text.Lines, opt.CheckMode)
				if err != nil {
					return writes, err
				}
				if j, ok := appended[a.path]; ok {
					writes[j].Content += w.Content
				} else {
					appended[a.path] = len(writes)
					writes = append(writes, w)
				}
			}
		}
		if !r.needsData() {
			continue
		}
		if data == nil {
			d, err := readData(dataPath(dir, action))
			if err != nil {
				return writes, err
			}
			data = d
		}
		if err := data.apply(r); err != nil {
			return writes, fmt.Errorf("%s: %w", data.path, err)
		}
	}
	if data != nil {
		w := Write{Path: data.path, Op: "replace", Content: encodeDocument(data.doc), Before: string(data.before)}
		if !opt.CheckMode {
			if err := writeAtomic(data.path, []byte(w.Content)); err != nil {
				return writes, err
			}
		}
		writes = append(writes, w)
	}
	return writes, nil
}

func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// dataFile is the data file's content while a call sequence updates it.
type dataFile struct {
	path   string
	before []byte
	doc    *omap
}

func readData(path string) (*dataFile, error) {
	old, err := readIfExists(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	doc, err := decodeDocument(old)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &dataFile{path: path, before: old, doc: doc}, nil
}

// apply merges one call into the document, with AgnosticD's rules: top-level
// data updates the top level; with a user, users.<user> is created from data
// (so `data: null` stores null and a falsy non-dict value is kept) or updated
// with it, and the messages are appended to its msg and body.
func (d *dataFile) apply(r *Request) error {
	data, _ := r.Data.(map[string]any)
	prefixed := newOMap()
	for _, k := range slices.Sorted(maps.Keys(data)) {
		prefixed.set(strKey(r.DataPrefix+k), fromJSON(data[k]))
	}
	if !r.hasUser() {
		for _, e := range prefixed.entries {
			d.doc.set(e.key, e.value)
		}
		return nil
	}
	key, _ := userKey(r.User)
	name := userName(r.User)
	users, err := childMapping(d.doc, strKey("users"), "users")
	if err != nil {
		return err
	}
	cur, _ := users.get(key)
	var entry *omap
	switch c := cur.(type) {
	case nil:
		// A new entry (or one holding null, where AgnosticD fails): the
		// data as given.
		switch {
		case data != nil || (r.Data == nil && !r.DataNull):
			entry = prefixed
			users.set(key, entry)
		case r.DataNull:
			users.set(key, nil)
		default:
			users.set(key, fromJSON(r.Data))
		}
	case *omap:
		entry = c
		for _, e := range prefixed.entries {
			entry.set(e.key, e.value)
		}
	default:
		return fmt.Errorf("users.%s %w", name, ErrNotDict)
	}
	for _, t := range []struct {
		name string
		text *Text
		// raw: the value a new msg/body takes (a list msg is joined, a
		// list body stays a list)
		raw any
	}{{"msg", r.Msg, msgValue(r.Msg)}, {"body", r.Body, bodyValue(r.Body)}} {
		if !t.text.Truthy() {
			continue
		}
		if entry == nil {
			cur, _ := users.get(key)
			if cur != nil {
				return fmt.Errorf("users.%s %w", name, ErrNotDict)
			}
			entry = newOMap()
			users.set(key, entry)
		}
		switch cur, _ := entry.get(strKey(t.name)); c := cur.(type) {
		case nil:
			entry.set(strKey(t.name), t.raw)
		case string:
			if t.text.Opaque {
				return fmt.Errorf("users.%s.%s: cannot append %s %w", name, t.name, t.name, ErrBadText)
			}
			entry.set(strKey(t.name), c+"\n"+t.text.joined())
		default:
			return fmt.Errorf("users.%s.%s %w", name, t.name, ErrNotString)
		}
	}
	return nil
}

// msgValue is what a per-user msg stores when the entry has none: a list
// joined with newlines, any other value as given.
func msgValue(t *Text) any {
	if t == nil {
		return nil
	}
	if t.IsList && !t.Opaque {
		return t.joined()
	}
	return t.raw()
}

// bodyValue is what a per-user body stores when the entry has none: the value
// as given.
func bodyValue(t *Text) any {
	if t == nil {
		return nil
	}
	return t.raw()
}

// raw is the value as given, in the document model.
func (t *Text) raw() any {
	if t.Raw == nil {
		return t.Value()
	}
	return fromJSON(t.Raw)
}

// childMapping returns the mapping under key k of m, creating it when missing
// or null.
func childMapping(m *omap, k mapKey, where string) (*omap, error) {
	switch cur, _ := m.get(k); c := cur.(type) {
	case nil:
		child := newOMap()
		m.set(k, child)
		return child, nil
	case *omap:
		return c, nil
	}
	return nil, fmt.Errorf("%s %w", where, ErrNotDict)
}

// appendLines appends one `- "<message>"` line per message. A new file starts
// with `---` like the ones AgnosticD pre-creates; a file whose last line lacks
// its newline gets one first.
func appendLines(path string, lines []string, check bool) (Write, error) {
	old, err := readIfExists(path)
	if err != nil {
		return Write{}, fmt.Errorf("read %s: %w", path, err)
	}
	var b strings.Builder
	switch {
	case len(lines) == 0:
		// `msg: []` creates the file and adds nothing, like AgnosticD.
	case len(old) == 0:
		b.WriteString("---\n")
	case old[len(old)-1] != '\n':
		b.WriteString("\n")
	}
	for _, l := range lines {
		b.WriteString("- " + quote(l) + "\n")
	}
	w := Write{Path: path, Op: "append", Content: b.String(), Before: string(old)}
	if check {
		return w, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return Write{}, fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(w.Content); err != nil {
		_ = f.Close()
		return Write{}, fmt.Errorf("append to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return Write{}, fmt.Errorf("append to %s: %w", path, err)
	}
	return w, nil
}

// writeAtomic replaces path with content: a temporary file in the same
// directory, fsynced, given the mode of the file it replaces (0600 for a new
// file), then renamed over it. A symlink is followed, not replaced.
func writeAtomic(path string, content []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(content); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return nil
}

// ReadData is the content of {dir}/{action}-user-data.yaml as plain Go
// values: mappings as map[string]any (keys as text), strings as strings, and
// other scalars as the file's text for them (3, 2.5, true): an empty map when the file does
// not exist, or when dir is a regular file (a lab with nothing saved). It
// takes no lock: a reader sees either the file before or after a write, which
// is replaced atomically.
func ReadData(dir, action string) (map[string]any, error) {
	if dir == "" {
		dir = DefaultOutputDir
	}
	if action == "" {
		action = DefaultAction
	}
	path := dataPath(dir, action)
	b, err := readIfExists(path) // no file: an empty document
	if errors.Is(err, syscall.ENOTDIR) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	doc, err := decodeDocument(b)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out, _ := plain(doc).(map[string]any)
	return out, nil
}

// plain turns the document model into plain Go values.
func plain(v any) any {
	switch t := v.(type) {
	case *omap:
		m := make(map[string]any, len(t.entries))
		for _, e := range t.entries {
			m[e.key.text] = plain(e.value)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	case rawScalar:
		return string(t)
	}
	return v
}
