package virtualkey

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompactAliases(t *testing.T) {
	users := func(prefix string, ns ...int) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = fmt.Sprintf("%s%d", prefix, n)
		}
		return out
	}
	upTo := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	tests := []struct {
		name    string
		aliases []string
		want    string
	}{
		{"none", nil, ""},
		{"single key", []string{"virtkey-abc12"}, "virtkey-abc12"},
		{"one run", users("virtkey-abc12-user", upTo(50)...), "virtkey-abc12-user1..user50"},
		{"runs and singles", users("virtkey-abc12-user", 1, 2, 3, 5, 7, 8, 9), "virtkey-abc12-user1..user3, user5, user7..user9"},
		{"unsorted, sorted within the group", users("virtkey-abc12-user", 9, 1, 8, 3, 2, 7, 5), "virtkey-abc12-user1..user3, user5, user7..user9"},
		{"run of two, stem without separator", []string{"lab1", "lab2"}, "lab1..lab2"},
		{"separators - _ .", []string{"a_b.x3", "a_b.x4", "a_b.x6"}, "a_b.x3..x4, x6"},
		{"stem ending in a separator", []string{"virtkey-abc12-1", "virtkey-abc12-2", "virtkey-abc12-4"}, "virtkey-abc12-1..2, 4"},
		{"all digits", []string{"7", "8"}, "7..8"},
		{"no trailing digits", []string{"alpha", "beta"}, "alpha, beta"},
		{"groups in order of first appearance", []string{"b-user2", "a-user1", "b-user1", "plain", "a-user2"},
			"b-user1..user2, a-user1..user2, plain"},
		{"plain alias equal to another's stem", []string{"lab", "lab1", "lab2"}, "lab, lab1..lab2"},
		{"leading zeros: one by one, in order", []string{"virtkey-x-u02", "virtkey-x-u01", "virtkey-x-u03"},
			"virtkey-x-u02, virtkey-x-u01, virtkey-x-u03"},
		{"one leading zero spoils its group only", []string{"u01", "u2", "v1", "v2"}, "u01, u2, v1..v2"},
		{"zero itself is a number", []string{"u0", "u1"}, "u0..u1"},
		{"too large for an int", []string{"u99999999999999999999", "u1"}, "u99999999999999999999, u1"},
		{"duplicates count once in the runs", []string{"u1", "u1", "u2"}, "u1..u2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CompactAliases(tt.aliases))
		})
	}
}

func TestSummary(t *testing.T) {
	r := func(alias string, set func(*KeyResult)) *KeyResult {
		k := &KeyResult{KeyAlias: alias}
		if set != nil {
			set(k)
		}
		return k
	}
	created := func(k *KeyResult) { k.Changed, k.Created = true, true }
	updated := func(k *KeyResult) { k.Changed, k.Updated = true, true }
	deleted := func(k *KeyResult) { k.Changed, k.Deleted = true, true }
	missing := func(k *KeyResult) { k.WasMissing = true }
	failed := func(k *KeyResult) { k.Failed = true }
	mixed := []*KeyResult{r("x-user1", nil), r("x-user2", nil), r("x-user3", created), r("x-user5", updated), r("x-user4", missing), r("x-user6", failed)}
	tests := []struct {
		name  string
		rs    []*KeyResult
		state string
		check bool
		want  string
	}{
		{"no keys", nil, StatePresent, false, "no keys"},
		{"no keys in check mode", nil, StateAbsent, true, "no keys"},
		{"single created", []*KeyResult{r("virtkey-abc12", created)}, StatePresent, false, "1 created (virtkey-abc12)"},
		{"single unchanged", []*KeyResult{r("virtkey-abc12", nil)}, StatePresent, false, "1 unchanged (virtkey-abc12)"},
		{"present, outcome order", mixed, StatePresent, false,
			"1 created (x-user3), 1 updated (x-user5), 2 unchanged (x-user1..user2), 1 missing (x-user4)"},
		{"present, check mode", mixed, StatePresent, true,
			"1 would be created (x-user3), 1 would be updated (x-user5), 2 unchanged (x-user1..user2), 1 missing (x-user4)"},
		{"absent", []*KeyResult{r("x-user1", deleted), r("x-user2", missing), r("x-user3", deleted)}, StateAbsent, false,
			"2 deleted (x-user1, user3), 1 already gone (x-user2)"},
		{"absent, check mode", []*KeyResult{r("x-user1", deleted), r("x-user2", missing), r("x-user3", deleted)}, StateAbsent, true,
			"2 would be deleted (x-user1, user3), 1 already gone (x-user2)"},
		{"absent, nothing there", []*KeyResult{r("virtkey-abc12", missing)}, StateAbsent, false, "1 already gone (virtkey-abc12)"},
		{"only failures", []*KeyResult{r("x-user1", failed)}, StatePresent, false, "no keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Summary(tt.rs, tt.state, tt.check))
		})
	}
}
