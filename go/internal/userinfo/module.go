package userinfo

import (
	"context"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
)

// ModuleName is the module's short name.
const ModuleName = "agnosticd_user_info"

// Params are the module's parameters. output_dir and action are normally
// filled in by the controller-side action plugin from play variables; a task
// that runs the module directly may set them.
type Params struct {
	Msg        any    `ansible:"msg"`
	Body       any    `ansible:"body"`
	Data       any    `ansible:"data"`
	User       string `ansible:"user"`
	DataPrefix string `ansible:"data_prefix"`
	OutputDir  string `ansible:"output_dir"`
	Action     string `ansible:"action"`
}

// Result is the module's result. Like AgnosticD's, it never reports a change.
type Result struct {
	Changed bool `json:"changed"`
	// Msg is `user.info: <msg>` (or `user.body: <body>`) without user, the
	// msg as given with user.
	Msg any `json:"msg,omitempty"`
	// Body is the body as given, with user.
	Body any    `json:"body,omitempty"`
	User string `json:"user,omitempty"`
	// Data is the data as given, without data_prefix.
	Data any `json:"data,omitempty"`
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
	msg, err := NewText("msg", p.Msg)
	if err != nil {
		return fail(err)
	}
	body, err := NewText("body", p.Body)
	if err != nil {
		return fail(err)
	}
	req := Request{Msg: msg, Body: body, Data: p.Data, User: p.User, DataPrefix: p.DataPrefix,
		OutputDir: p.OutputDir, Action: p.Action}
	writes, err := Apply(ctx, req, Options{CheckMode: m.CheckMode()})
	if err != nil {
		return fail(err)
	}

	res := &Result{Data: p.Data}
	switch {
	case p.User != "":
		res.User, res.Msg, res.Body = p.User, msg.Value(), body.Value()
	case msg != nil:
		res.Msg = msg.prefixed("user.info: ")
	case body != nil:
		res.Msg = body.prefixed("user.body: ")
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

// Main runs the module as Ansible invokes it.
func Main() { ansible.Main(ModuleName, Run) }
