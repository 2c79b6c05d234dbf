// Package userinfo writes AgnosticD's user-info files: the messages and data
// that RHDP's completion callback, Babylon emails, the workshop UI and
// Showroom read from `{output_dir}/{action}-user-{info,body,data}.yaml`.
//
// It keeps AgnosticD's contract (files, formats, merge rules; see
// docs/agnosticd-user-info.md) and adds what the original lacks: the
// data file is replaced atomically, every writer holds an exclusive lock on
// `{output_dir}/.agnosticd-user-info.lock` so that concurrent tasks lose
// nothing, the YAML keeps its types under PyYAML's YAML 1.1 rules, and check
// mode writes nothing.
package userinfo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Errors a call can fail with. ErrMutuallyExclusive and ErrDataNotDict carry
// AgnosticD's exact texts.
var (
	ErrMutuallyExclusive = errors.New("msg and body are mutually exclusive")
	ErrDataNotDict       = errors.New("data must be a dictionary of name/value pairs")
	ErrBadText           = errors.New("must be a string or a list of strings")
	ErrNotDict           = errors.New("is not a mapping")
	ErrNotString         = errors.New("is not a string")
)

// Default values used when output_dir or action are empty.
const (
	DefaultOutputDir = "."
	DefaultAction    = "provision"
	// LockName is the lock file every writer holds, one per output directory.
	LockName = ".agnosticd-user-info.lock"
)

// Text is the value of `msg` or `body`: one string, or a list of strings.
type Text struct {
	Lines  []string
	IsList bool
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
		return &Text{Lines: lines, IsList: true}, nil
	case []string:
		return &Text{Lines: append([]string(nil), t...), IsList: true}, nil
	}
	s, err := toLine(v)
	if err != nil {
		return nil, err
	}
	return &Text{Lines: []string{s}}, nil
}

// Truthy reports whether Python would consider the value true.
func (t *Text) Truthy() bool {
	if t == nil {
		return false
	}
	if t.IsList {
		return len(t.Lines) > 0
	}
	return t.Lines[0] != ""
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

// Request is one call of agnosticd_user_info.
type Request struct {
	Msg  *Text // nil: not given
	Body *Text // nil: not given
	// Data is the raw `data` value (nil: not given). It must be a
	// map[string]any when truthy.
	Data       any
	User       string
	DataPrefix string
	OutputDir  string // empty: DefaultOutputDir
	Action     string // empty: DefaultAction
}

// Options change how Apply writes.
type Options struct {
	// CheckMode: compute and report every write, perform none.
	CheckMode bool
	// LockTimeout bounds the wait for the directory lock (default 2 minutes).
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
	case map[string]any:
		return len(t) > 0
	}
	return true
}

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
	return nil
}

type pendingAppend struct {
	path  string
	lines []string
}

// Apply performs one call: it appends the owner's messages to the info or
// body file and merges data (and per-user messages) into the data file, all
// under the directory lock. It returns the writes it made, or in check mode
// the writes it would make.
func Apply(ctx context.Context, r Request, opt Options) ([]Write, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	dir, action := r.OutputDir, r.Action
	if dir == "" {
		dir = DefaultOutputDir
	}
	if action == "" {
		action = DefaultAction
	}
	data, _ := r.Data.(map[string]any)
	var appends []pendingAppend
	if r.User == "" && r.Msg != nil && len(r.Msg.Lines) > 0 {
		appends = append(appends, pendingAppend{infoPath(dir, action), r.Msg.Lines})
	}
	if r.User == "" && r.Body != nil && len(r.Body.Lines) > 0 {
		appends = append(appends, pendingAppend{bodyPath(dir, action), r.Body.Lines})
	}
	updateData := r.User != "" || len(data) > 0
	if len(appends) == 0 && !updateData {
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
		l, err := lock(lctx, filepath.Join(dir, LockName))
		if err != nil {
			return nil, err
		}
		defer func() { _ = l.unlock() }()
	}

	var writes []Write
	if updateData {
		w, err := mergeData(dataPath(dir, action), r, data, opt.CheckMode)
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
	}
	for _, a := range appends {
		w, err := appendLines(a.path, a.lines, opt.CheckMode)
		if err != nil {
			return nil, err
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

// mergeData reads the data file, applies the request and replaces the file.
func mergeData(path string, r Request, data map[string]any, check bool) (Write, error) {
	old, err := readIfExists(path)
	if err != nil {
		return Write{}, fmt.Errorf("read %s: %w", path, err)
	}
	doc, err := decodeDocument(old)
	if err != nil {
		return Write{}, fmt.Errorf("read %s: %w", path, err)
	}
	target := doc
	if r.User != "" {
		users, err := childMapping(doc, "users", "users")
		if err != nil {
			return Write{}, fmt.Errorf("%s: %w", path, err)
		}
		target, err = childMapping(users, r.User, "users."+r.User)
		if err != nil {
			return Write{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(data)) {
		target.set(strKey(r.DataPrefix+k), fromJSON(data[k]))
	}
	if r.User != "" {
		for _, t := range []struct {
			name string
			text *Text
		}{{"msg", r.Msg}, {"body", r.Body}} {
			if !t.text.Truthy() {
				continue
			}
			joined := strings.Join(t.text.Lines, "\n")
			switch cur, _ := target.get(strKey(t.name)); c := cur.(type) {
			case nil:
				target.set(strKey(t.name), joined)
			case string:
				target.set(strKey(t.name), c+"\n"+joined)
			default:
				return Write{}, fmt.Errorf("%s: users.%s.%s %w", path, r.User, t.name, ErrNotString)
			}
		}
	}
	w := Write{Path: path, Op: "replace", Content: encodeDocument(doc), Before: string(old)}
	if !check {
		if err := writeAtomic(path, []byte(w.Content)); err != nil {
			return Write{}, err
		}
	}
	return w, nil
}

// childMapping returns the mapping under key k of m, creating it when missing
// or null.
func childMapping(m *omap, k, where string) (*omap, error) {
	switch cur, _ := m.get(strKey(k)); c := cur.(type) {
	case nil:
		child := newOMap()
		m.set(strKey(k), child)
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
