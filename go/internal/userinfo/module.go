package userinfo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
)

// echoedEntries is the most users that invocation.module_args echoes (and a
// fifth of the most data entries).
const echoedEntries = 20

// ModuleName is the module's short name.
const ModuleName = "agnosticd_user_info"

// Params are the module's parameters. output_dir and action are normally
// filled in by the controller-side action plugin from play variables; a task
// that runs the module directly may set them.
type Params struct {
	Msg  any `ansible:"msg"`
	Body any `ansible:"body"`
	Data any `ansible:"data"`
	// User is raw: a number keeps its type as the key, like in AgnosticD.
	User any `ansible:"user"`
	// Users holds every user's msg/data/body for one call: user name ->
	// {msg, data, body} (see usersRequests).
	Users      any    `ansible:"users"`
	DataPrefix string `ansible:"data_prefix"`
	OutputDir  string `ansible:"output_dir"`
	Action     string `ansible:"action"`
	// DefaultAction is the action when action is empty (the action plugin
	// resolves action from ACTION and falls back to it the same way).
	DefaultAction string `ansible:"default_action"`
}

// Rules makes user and users mutually exclusive: users is the bulk form of user.
func (Params) Rules() ansible.Rules {
	return ansible.Rules{MutuallyExclusive: [][]string{{"user", "users"}}}
}

// Result is the module's result. Like AgnosticD's, it never reports a change.
type Result struct {
	Changed bool `json:"changed"`
	// Msg is `user.body: <body>` when body is given without user, else
	// `user.info: <msg>`; with user, the msg as given.
	Msg any `json:"msg,omitempty"`
	// Body is the body as given, with user.
	Body any `json:"body,omitempty"`
	User any `json:"user,omitempty"`
	// Data is the data as given (when truthy), without data_prefix.
	Data any `json:"data,omitempty"`
	// UserCount is the number of users written, with users.
	UserCount *int `json:"user_count,omitempty"`
	// Error repeats a failure's text where AgnosticD reports it.
	Error string `json:"error,omitempty"`
	// WouldWrite lists, in check mode, the writes the call would make.
	WouldWrite []Write `json:"would_write,omitempty"`
	// Diff holds, in diff mode, each file before and after the call.
	Diff []FileDiff `json:"diff,omitempty"`
}

// FileDiff is one entry of an Ansible `diff` list.
type FileDiff struct {
	BeforeHeader string `json:"before_header"`
	AfterHeader  string `json:"after_header"`
	Before       string `json:"before"`
	After        string `json:"after"`
}

// Run is the module's logic for the ansible runtime.
func Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	fail := func(err error) (any, error) { return &Result{Error: err.Error()}, err }
	if p.Action == "" {
		p.Action = p.DefaultAction
	}
	usersOrder := m.KeyOrder("users")
	for _, o := range []struct {
		name  string
		value *any
		order *[]string
	}{{"data", &p.Data, nil}, {"users", &p.Users, &usersOrder}} {
		if err := fromJSONText(o.name, o.value, o.order); err != nil {
			return fail(err)
		}
	}
	// A lab's users (and its lab-wide data, with every user's flat entries) are not echoed in
	// invocation beyond echoedEntries: nobody reads them there, and the controller pays for
	// every value of a result.
	if users, ok := p.Users.(map[string]any); ok && len(users) > echoedEntries {
		m.AbbreviateInvocation("users", fmt.Sprintf("%d users, not echoed (more than %d)", len(users), echoedEntries))
	}
	if data, ok := p.Data.(map[string]any); ok && len(data) > echoedEntries*5 {
		m.AbbreviateInvocation("data", fmt.Sprintf("%d entries, not echoed (more than %d)", len(data), echoedEntries*5))
	}
	msg, err := newText("msg", p.Msg, truthy(p.User), false)
	if err != nil {
		return fail(err)
	}
	body, err := newText("body", p.Body, truthy(p.User), true)
	if err != nil {
		return fail(err)
	}
	top := Request{Msg: msg, Body: body, Data: p.Data, User: p.User, DataPrefix: p.DataPrefix,
		OutputDir: p.OutputDir, Action: p.Action,
		DataNull: p.Data == nil && slices.Contains(m.KeyOrder(), "data")}
	reqs := []Request{top}
	var count *int
	if p.Users != nil {
		entries, err := usersRequests(usersOrder, p, top)
		if err != nil {
			return fail(err)
		}
		if p.Msg == nil && p.Body == nil && p.Data == nil {
			reqs = reqs[:0]
		}
		reqs = append(reqs, entries...)
		n := len(entries)
		count = &n
	}
	writes, err := ApplyAll(ctx, reqs, Options{CheckMode: m.CheckMode()})
	if err != nil {
		return fail(err)
	}

	res := &Result{UserCount: count}
	if truthy(p.Data) {
		res.Data = p.Data
	}
	switch {
	case truthy(p.User):
		res.User = p.User
		if msg != nil {
			res.Msg = msg.Raw
		}
		if body != nil {
			res.Body = body.Raw
		}
	case body != nil:
		res.Msg = body.prefixed("user.body: ")
	case msg != nil:
		res.Msg = msg.prefixed("user.info: ")
	}
	if m.CheckMode() {
		res.WouldWrite = writes
	}
	if m.DiffMode() {
		for _, w := range writes {
			res.Diff = append(res.Diff, FileDiff{BeforeHeader: w.Path, AfterHeader: w.Path, Before: w.Before, After: w.After()})
		}
	}
	return res, nil
}

// fromJSONText decodes a data or users value given as JSON text (a string
// that starts with "{", as `{{ x | to_json }}` gives it; ours only, AgnosticD
// takes mappings only) into the mapping it holds, and sets *order to the
// text's key order when order is not nil. Any other value is left as is.
func fromJSONText(name string, v *any, order *[]string) error {
	s, ok := (*v).(string)
	if !ok || !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return nil
	}
	m, keys, err := ansible.JSONObject(s)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*v = m
	if order != nil {
		*order = keys
	}
	return nil
}

// usersRequests turns `users` into one request per user, in the order the task
// wrote them: `user: <name>` with that entry's msg, data and body, and the
// call's data_prefix, output_dir and action.
func usersRequests(order []string, p *Params, top Request) ([]Request, error) {
	users, ok := p.Users.(map[string]any)
	if !ok {
		return nil, errors.New("users must be a mapping of user name to {msg, data, body}")
	}
	order = slices.DeleteFunc(slices.Clone(order), func(k string) bool { _, ok := users[k]; return !ok })
	if len(order) != len(users) { // not from an args file (a Go caller)
		order = slices.Sorted(maps.Keys(users))
	}
	reqs := make([]Request, 0, len(users))
	for _, name := range order {
		entry := map[string]any{}
		switch e := users[name].(type) {
		case nil:
		case map[string]any:
			entry = e
		default:
			return nil, fmt.Errorf("users.%s must be a mapping with msg, data and/or body", name)
		}
		for k := range entry {
			if k != "msg" && k != "data" && k != "body" {
				return nil, fmt.Errorf("users.%s: unsupported key %q (valid keys: body, data, msg)", name, k)
			}
		}
		msg, err := newText("users."+name+".msg", entry["msg"], name != "", false)
		if err != nil {
			return nil, err
		}
		body, err := newText("users."+name+".body", entry["body"], name != "", true)
		if err != nil {
			return nil, err
		}
		_, hasData := entry["data"]
		r := Request{Msg: msg, Body: body, Data: entry["data"], DataNull: hasData && entry["data"] == nil,
			User: name, DataPrefix: top.DataPrefix, OutputDir: top.OutputDir, Action: top.Action}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("users.%s: %w", name, err)
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

// newText reads a msg or body: per user with NewUserText, else NewText.
func newText(name string, v any, perUser, keepLists bool) (*Text, error) {
	if perUser {
		return NewUserText(name, v, keepLists)
	}
	return NewText(name, v)
}

// Main runs the module as Ansible invokes it.
func Main() { ansible.Main(ModuleName, Run) }
