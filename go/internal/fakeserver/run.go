package fakeserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// EnvMasterKey is the variable read when --master-key is not given.
const EnvMasterKey = "LITELLM_MASTER_KEY"

// options are the command-line flags of fake-litellm.
type options struct {
	masterKey   string
	host        string
	port        int
	databaseURL string
	models      string
	seedKeys    int
	requestLog  string
	faults      string
	seed        uint64
	era         Era
	keyRules    keyRules
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("fake-litellm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.masterKey, "master-key", "", "proxy admin key (default $"+EnvMasterKey+"; required)")
	fs.StringVar(&o.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&o.port, "port", 4000, "port to listen on (0 picks a free one)")
	fs.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL DSN: use LiteLLM's tables there instead of memory")
	fs.StringVar(&o.models, "models", strings.Join(DefaultModels, ","), "comma-separated model names")
	fs.IntVar(&o.seedKeys, "seed-keys", 0, "pre-create this many unrelated keys")
	fs.StringVar(&o.requestLog, "request-log", "", "append one JSON line per request to this file")
	fs.StringVar(&o.faults, "faults", "", "initial fault spec (JSON, or @FILE)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fault generator")
	era := fs.String("era", "legacy", "LiteLLM release to imitate where releases differ: legacy or "+string(Era202609))
	fs.BoolVar(&o.keyRules.disableCustom, "disable-custom-keys", false, "refuse /key/generate with a caller-chosen key (403, like disable_custom_api_keys)")
	fs.IntVar(&o.keyRules.minLength, "min-custom-key-length", 0, "refuse caller-chosen keys shorter than this (400, like MINIMUM_CUSTOM_KEY_LENGTH; 0 = off)")
	fs.BoolVar(&o.keyRules.racyAlias, "racy-alias", false, "check key_alias uniqueness find-then-insert without a lock, like LiteLLM (concurrent creates can duplicate)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if o.era, err = ParseEra(*era); err != nil {
		return nil, fmt.Errorf("--era: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.masterKey == "" {
		o.masterKey = os.Getenv(EnvMasterKey)
	}
	if o.masterKey == "" {
		return nil, fmt.Errorf("--master-key or $%s is required", EnvMasterKey)
	}
	if o.port < 0 || o.port > 65535 {
		return nil, fmt.Errorf("--port %d out of range", o.port)
	}
	if o.keyRules.minLength < 0 {
		return nil, errors.New("--min-custom-key-length must not be negative")
	}
	if o.seedKeys < 0 {
		return nil, errors.New("--seed-keys must not be negative")
	}
	return o, nil
}

// secretsOf lists the strings that must never appear in output: the master
// key, the database URL and its password.
func (o *options) secrets() []string {
	s := []string{o.masterKey}
	if o.databaseURL != "" {
		s = append(s, o.databaseURL)
		if u, err := url.Parse(o.databaseURL); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				s = append(s, p, url.QueryEscape(p), url.PathEscape(p))
			}
		}
		for _, f := range strings.Fields(o.databaseURL) {
			if v, ok := strings.CutPrefix(f, "password="); ok && v != "" {
				s = append(s, strings.Trim(v, "'"))
			}
		}
	}
	return s
}

// scrub replaces every secret in msg by "****".
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "****")
		}
	}
	return msg
}

// Run is the fake-litellm command: it parses args, opens the store, prints
// the base URL as the first line of stdout and serves until ctx is done
// (SIGTERM/SIGINT in main), then shuts down cleanly and returns nil. Errors
// never contain the master key or the database URL.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := serve(ctx, o, stdout, stderr); err != nil {
		return errors.New(scrub(err.Error(), o.secrets()))
	}
	return nil
}

func serve(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	var faults FaultSpec
	if o.faults != "" {
		data := []byte(o.faults)
		if name, ok := strings.CutPrefix(o.faults, "@"); ok {
			var err error
			if data, err = os.ReadFile(name); err != nil {
				return fmt.Errorf("--faults: %w", err)
			}
		}
		var err error
		if faults, err = ParseFaultSpec(data); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
	}
	var models []string
	for _, m := range strings.Split(o.models, ",") {
		if m = strings.TrimSpace(m); m != "" {
			models = append(models, m)
		}
	}

	var store Store = NewMemoryStore()
	storeName := "memory"
	if o.databaseURL != "" {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		pg, err := NewPostgresStore(cctx, o.databaseURL, 8)
		cancel()
		if err != nil {
			return fmt.Errorf("open the PostgreSQL store: %w", err)
		}
		store, storeName = pg, "postgresql"
	}
	defer store.Close()

	var logw io.Writer
	if o.requestLog != "" {
		f, err := os.OpenFile(o.requestLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--request-log: %w", err)
		}
		defer f.Close()
		logw = f
	}

	srv, err := New(ctx, Config{MasterKey: o.masterKey, Store: store, Models: models, Seed: o.seed, Faults: faults, RequestLog: logw, Era: o.era,
		DisableCustomKeys: o.keyRules.disableCustom, MinCustomKeyLength: o.keyRules.minLength, RacyAlias: o.keyRules.racyAlias})
	if err != nil {
		return err
	}
	if err := srv.SeedKeys(ctx, o.seedKeys); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	base := url.URL{Scheme: "http", Host: net.JoinHostPort(o.host, strconv.Itoa(port))}
	if _, err := fmt.Fprintln(stdout, base.String()); err != nil {
		_ = ln.Close()
		return fmt.Errorf("write the base URL: %w", err)
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	fmt.Fprintf(stderr, "fake-litellm: serving %s (store=%s, era=%s, %d models, %d seeded keys)\n", base.String(), storeName, o.era, len(models), o.seedKeys)

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	<-errc
	fmt.Fprintln(stderr, "fake-litellm: stopped")
	return nil
}
