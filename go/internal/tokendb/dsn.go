package tokendb

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvSchema names the environment variable LiteLLM reads for the database
// schema when the URL carries no `?schema=` parameter.
const EnvSchema = "DATABASE_SCHEMA"

// DefaultSchema is the schema Prisma (and so LiteLLM) uses when none is given.
const DefaultSchema = "public"

// prismaOnlyParams are query parameters that Prisma understands but libpq and
// pgx do not: pgx would forward them to the server as run-time parameters and
// the server would refuse the connection ("unrecognized configuration
// parameter"). LiteLLM's DATABASE_URL commonly carries several of them.
var prismaOnlyParams = []string{
	"schema",
	"connection_limit",
	"pool_timeout",
	"pgbouncer",
	"sslaccept",
	"sslidentity",
	"socket_timeout",
	"statement_cache_size",
	"max_connection_lifetime",
	"max_idle_connection_lifetime",
}

// defaultConnectTimeout bounds the connection attempt when neither the
// caller's context nor the URL (connect_timeout) sets a limit. A variable so
// tests can shorten it.
var defaultConnectTimeout = 10 * time.Second

// masked replaces secrets in error text.
const masked = "********"

// connConfig is a parsed database URL ready for pgx.ConnectConfig.
type connConfig struct {
	pgx     *pgx.ConnConfig
	schema  string
	secrets []string
}

// parseDatabaseURL parses a LiteLLM/Prisma style database URL (or a libpq
// keyword/value string), removes the Prisma-only parameters, and resolves the
// schema: the URL's `schema` parameter, else $DATABASE_SCHEMA, else public.
// Its errors never contain the URL or the password.
func parseDatabaseURL(databaseURL string) (*connConfig, error) {
	if strings.TrimSpace(databaseURL) == "" {
		return nil, &URLError{Reason: "it is empty"}
	}
	if scheme, _, ok := strings.Cut(databaseURL, "://"); ok {
		switch strings.ToLower(scheme) {
		case "postgres", "postgresql":
		default:
			// Do not echo the scheme: a malformed URL may put the password there.
			return nil, &URLError{Reason: "the scheme must be postgres:// or postgresql://"}
		}
		if _, err := url.Parse(databaseURL); err != nil {
			return nil, &URLError{Reason: "it is not a valid URL (special characters in the password must be percent-encoded)"}
		}
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, &URLError{Reason: "it cannot be parsed as a PostgreSQL connection string"}
	}
	schema := cfg.RuntimeParams["schema"]
	for _, k := range prismaOnlyParams {
		delete(cfg.RuntimeParams, k)
	}
	if schema == "" {
		schema = os.Getenv(EnvSchema)
	}
	if schema == "" {
		schema = DefaultSchema
	}
	// One connection, one transaction: unnamed statements only, so nothing is
	// left prepared on a server behind PgBouncer and no cache is needed.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	return &connConfig{pgx: cfg, schema: schema, secrets: secretsOf(databaseURL, cfg.Password)}, nil
}

// Secrets returns the strings a caller must mask in any output: the database
// URL itself and its password (as written and percent-decoded, and a password
// that pgx would take from PGPASSWORD or a password file). Empty strings are
// omitted; the result may be empty for an unparsable URL apart from the URL.
func Secrets(databaseURL string) []string {
	var password string
	if cfg, err := pgx.ParseConfig(databaseURL); err == nil {
		password = cfg.Password
	}
	return secretsOf(databaseURL, password)
}

func secretsOf(databaseURL, parsedPassword string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(databaseURL)
	add(parsedPassword)
	if strings.Contains(databaseURL, "://") {
		if u, err := url.Parse(databaseURL); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				add(p)
				add(url.QueryEscape(p))
				add(url.PathEscape(p))
			}
		}
		// The raw text between "user:" and the last "@" of the authority, in
		// case net/url could not parse the URL.
		if _, rest, ok := strings.Cut(databaseURL, "://"); ok {
			auth := rest
			if i := strings.IndexAny(auth, "/?#"); i >= 0 && strings.LastIndex(auth[:i], "@") >= 0 {
				auth = auth[:i]
			}
			if at := strings.LastIndex(auth, "@"); at >= 0 {
				if _, p, ok := strings.Cut(auth[:at], ":"); ok {
					add(p)
					if d, err := url.PathUnescape(p); err == nil {
						add(d)
					}
				}
			}
		}
	}
	if parsedPassword != "" {
		add(url.QueryEscape(parsedPassword))
		add(url.PathEscape(parsedPassword))
	}
	// Longest first so that a secret containing another is masked whole.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scrub replaces every secret in s with a mask.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, masked)
		}
	}
	return s
}
