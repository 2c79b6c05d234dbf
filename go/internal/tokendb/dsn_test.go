package tokendb

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		env        string
		wantSchema string
		wantParams map[string]string // runtime parameters pgx will send
	}{
		{
			name:       "default schema is public",
			url:        "postgres://u:p@db:5432/litellm",
			wantSchema: "public",
			wantParams: map[string]string{},
		},
		{
			name:       "schema parameter, Prisma parameters stripped, others kept",
			url:        "postgresql://u:p@db/litellm?schema=tenant%20one&connection_limit=5&pool_timeout=10&application_name=x",
			env:        "ignored",
			wantSchema: "tenant one",
			wantParams: map[string]string{"application_name": "x"},
		},
		{
			name:       "DATABASE_SCHEMA when the URL has none",
			url:        "postgres://u:p@db/litellm?pgbouncer=true",
			env:        "litellm",
			wantSchema: "litellm",
			wantParams: map[string]string{},
		},
		{
			name:       "keyword/value form",
			url:        "host=db user=u password=p dbname=litellm schema=kv socket_timeout=3",
			wantSchema: "kv",
			wantParams: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvSchema, tt.env)
			c, err := parseDatabaseURL(tt.url)
			require.NoError(t, err)
			assert.Equal(t, tt.wantSchema, c.schema)
			assert.Equal(t, tt.wantParams, c.pgx.RuntimeParams)
			assert.Equal(t, "p", c.pgx.Password)
		})
	}
}

func TestParseDatabaseURLErrorsHideSecrets(t *testing.T) {
	const pw = "hunter2-secret"
	tests := []struct {
		name string
		url  string
	}{
		{name: "empty", url: ""},
		{name: "wrong scheme", url: "mysql://u:" + pw + "@db/x"},
		{name: "unencoded password", url: "postgres://u:" + pw + "%zz@db/x"},
		{name: "bad port", url: "postgres://u:" + pw + "@db:notaport/x"},
		{name: "bad connect_timeout", url: "postgres://u:" + pw + "@db/x?connect_timeout=soon"},
		{name: "bad keyword/value", url: "host=db password=" + pw + " port='"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDatabaseURL(tt.url)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidURL)
			assert.NotContains(t, err.Error(), pw)
			if tt.url != "" {
				assert.NotContains(t, err.Error(), tt.url)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want []string // must all be present
	}{
		{
			name: "plain password",
			url:  "postgres://litellm:s3cret@db/x",
			want: []string{"postgres://litellm:s3cret@db/x", "s3cret"},
		},
		{
			name: "percent-encoded password: both forms",
			url:  "postgres://litellm:p%40ss%2Fw%3Ard@db/x?schema=y",
			want: []string{"postgres://litellm:p%40ss%2Fw%3Ard@db/x?schema=y", "p@ss/w:rd", "p%40ss%2Fw%3Ard"},
		},
		{
			name: "keyword/value form",
			url:  "host=db user=u password='kv secret'",
			want: []string{"host=db user=u password='kv secret'", "kv secret"},
		},
		{
			name: "unparsable URL still yields the raw password",
			url:  "postgres://u:raw%zzpass@db/x",
			want: []string{"postgres://u:raw%zzpass@db/x", "raw%zzpass"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Secrets(tt.url)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			assert.NotContains(t, got, "")
			for i := 1; i < len(got); i++ {
				assert.GreaterOrEqual(t, len(got[i-1]), len(got[i]), "longest first")
			}
		})
	}
}

func TestSecretsWithoutPassword(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "/nonexistent")
	assert.Equal(t, []string{"postgres://u@db/x"}, Secrets("postgres://u@db/x"))
}

func TestScrub(t *testing.T) {
	secrets := Secrets("postgres://u:p%40ss@db/x")
	got := scrub(`failed for postgres://u:p%40ss@db/x with p@ss and p%40ss`, secrets)
	assert.Equal(t, "failed for ******** with ******** and ********", got)
}

func FuzzParseDatabaseURL(f *testing.F) {
	f.Add("s3cret", "db:5432", "schema=x")
	f.Add("p@ss:w/rd", "db", "connect_timeout=x")
	f.Add("%zz", "[::1]:bad", "")
	f.Fuzz(func(t *testing.T, password, host, query string) {
		if len(password) < 4 {
			t.Skip("short passwords can occur in any text")
		}
		u := "postgres://u:" + url.PathEscape(password) + "@" + host + "/x?" + query
		_, err := parseDatabaseURL(u)
		secrets := Secrets(u)
		if err != nil {
			for _, s := range []string{password, url.PathEscape(password), u} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error %q contains a secret", err)
				}
			}
		}
		if !slices.Contains(secrets, u) {
			t.Fatalf("Secrets does not include the URL")
		}
	})
}
