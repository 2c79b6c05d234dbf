package ansible

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzExecute feeds arbitrary args files to the runtime: it must always print
// one JSON object and never leak the no_log value it was given.
func FuzzExecute(f *testing.F) {
	f.Add([]byte(`{"api_url":"http://h:1","key_alias":"a","api_key":"sk-fuzz-secret","timeout":"5"}`))
	f.Add([]byte(`{"api_url":"http://h:1","keys":[{"key_alias":"a","metadata":"x=1"}],"api_key":"sk-fuzz-secret"}`))
	f.Add([]byte(`{"api_url":"x","models":"a,b","validate_certs":"maybe","api_key":"sk-fuzz-secret"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, args []byte) {
		out := Execute(context.Background(), "litellm_key", args, echo)
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("output is not a JSON object: %v: %s", err, out)
		}
		var in map[string]any
		if json.Unmarshal(args, &in) == nil {
			if s, ok := in["api_key"].(string); ok && len(s) >= 4 && containsBytes(out, s) {
				t.Fatalf("no_log value %q leaked: %s", s, out)
			}
		}
	})
}

// FuzzCoerce checks the coercion helpers never panic and are consistent.
func FuzzCoerce(f *testing.F) {
	for _, s := range []string{"yes", "0", "1.5", "a,b", `["a", 1]`, "[a", `{"a":1}`, "k=v", "", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if b, err := toBool(s); err == nil {
			again, err2 := toBool(map[bool]string{true: "true", false: "false"}[b])
			if err2 != nil || again != b {
				t.Fatalf("bool round trip of %q", s)
			}
		}
		_, _ = toInt(s)
		_, _ = toFloat(s)
		l, err := toList(s)
		switch {
		case strings.HasPrefix(strings.TrimSpace(s), "["):
			var want []any
			if (err == nil) != (json.Unmarshal([]byte(strings.TrimSpace(s)), &want) == nil && want != nil) {
				t.Fatalf("JSON list %q: toList and encoding/json disagree (%v)", s, err)
			}
		case err != nil || l == nil:
			t.Fatalf("a string that is no JSON list always converts to a list: %v", err)
		}
		_, _ = toDict(s)
	})
}

func containsBytes(b []byte, s string) bool {
	return len(s) > 0 && string(b) != "" && (len(b) >= len(s)) && (stringIndex(string(b), s) >= 0)
}

func stringIndex(h, n string) int {
	for i := 0; i+len(n) <= len(h); i++ {
		if h[i:i+len(n)] == n {
			return i
		}
	}
	return -1
}
