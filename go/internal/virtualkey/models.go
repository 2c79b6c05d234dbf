package virtualkey

import (
	"sort"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

// specialModels are names LiteLLM accepts in a key's models besides served
// model names.
var specialModels = map[string]bool{"all-proxy-models": true, "all-team-models": true, "no-default-models": true}

// modelSet is what a proxy serves: model names (possibly wildcards such as
// "openai/*") and access-group names.
type modelSet struct {
	names  []string
	groups map[string]bool
}

func newModelSet(models []litellm.Model) *modelSet {
	ms := &modelSet{groups: map[string]bool{}}
	seen := map[string]bool{}
	for _, m := range models {
		if m.ModelName != "" && !seen[m.ModelName] {
			seen[m.ModelName] = true
			ms.names = append(ms.names, m.ModelName)
		}
		for _, g := range m.ModelInfo.AccessGroups {
			ms.groups[g] = true
		}
	}
	sort.Strings(ms.names)
	return ms
}

// missing returns the requested models the proxy does not serve. A request
// matches a served name exactly, through a served wildcard ("openai/*" serves
// "openai/gpt-4o"), or, when it is itself a wildcard, by matching a served
// name.
func (ms *modelSet) missing(requested []string) []string {
	var out []string
	for _, r := range requested {
		if specialModels[r] || ms.groups[r] || ms.serves(r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (ms *modelSet) serves(r string) bool {
	for _, n := range ms.names {
		if n == r || wildcardMatch(n, r) || wildcardMatch(r, n) {
			return true
		}
	}
	return false
}

// wildcardMatch matches name against pattern, where '*' stands for any run of
// characters (LiteLLM's model-name wildcards); other characters are literal.
func wildcardMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return false
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}

func (ms *modelSet) available() string {
	all := append([]string(nil), ms.names...)
	for g := range ms.groups {
		all = append(all, g+" (access group)")
	}
	sort.Strings(all)
	if len(all) == 0 {
		return "none"
	}
	return strings.Join(all, ", ")
}
