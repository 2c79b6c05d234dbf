package virtualkey

import (
	"slices"
	"strconv"
	"strings"
)

// Summary words what a run did on one line, outcome by outcome in this
// order: created, updated, unchanged, deleted, and keys that had no key to
// begin with ("already gone" for StateAbsent, "missing" for StatePresent
// with OnlyExisting); each as `<count> <label> (<aliases>)` with the aliases
// compacted by CompactAliases, joined by ", ". In check mode created,
// updated and deleted read "would be created" and so on. No results at all
// read "no keys". Failed keys are not counted: a run with failures reports
// its error instead.
func Summary(rs []*KeyResult, state string, checkMode bool) string {
	would := ""
	if checkMode {
		would = "would be "
	}
	none := "missing"
	if state == StateAbsent {
		none = "already gone"
	}
	labels := []string{would + "created", would + "updated", "unchanged", would + "deleted", none}
	groups := make([][]string, len(labels))
	for _, r := range rs {
		i := 2
		switch {
		case r.Failed:
			continue
		case r.Created:
			i = 0
		case r.Updated:
			i = 1
		case r.Deleted:
			i = 3
		case r.WasMissing:
			i = 4
		}
		groups[i] = append(groups[i], r.KeyAlias)
	}
	var parts []string
	for i, aliases := range groups {
		if len(aliases) > 0 {
			parts = append(parts, strconv.Itoa(len(aliases))+" "+labels[i]+" ("+CompactAliases(aliases)+")")
		}
	}
	if len(parts) == 0 {
		return "no keys"
	}
	return strings.Join(parts, ", ")
}

// CompactAliases renders aliases compactly: grouped by stem (the alias
// without its trailing digits) in order of first appearance, each group's
// numbers sorted into runs of consecutive numbers. A group reads
// `<stem><first run>` and then `, <tail><run>` for each later run, where a
// run is `a` or `a..<tail>b` and the tail is the part of the stem after its
// last '-', '_' or '.' (the whole stem if it has none):
//
//	virtkey-abc12-user1 ... user50          -> virtkey-abc12-user1..user50
//	virtkey-abc12-user1..3, 5, 7..9         -> virtkey-abc12-user1..user3, user5, user7..user9
//	lab1, lab2                              -> lab1..lab2
//
// An alias without trailing digits reads as itself. A group in which a
// number has a leading zero (u01) or does not fit an int reads as its
// aliases, one by one in the order given: their numbers are not ints to
// count with.
func CompactAliases(aliases []string) string {
	type group struct {
		stem    string
		aliases []string
		nums    []int
		asIs    bool // no trailing digits, a leading zero, or too large
	}
	var groups []*group
	byStem := map[string]*group{}
	for _, a := range aliases {
		stem, digits := splitTrailingDigits(a)
		if digits == "" {
			groups = append(groups, &group{aliases: []string{a}, asIs: true})
			continue
		}
		g := byStem[stem]
		if g == nil {
			g = &group{stem: stem}
			byStem[stem] = g
			groups = append(groups, g)
		}
		g.aliases = append(g.aliases, a)
		n, err := strconv.Atoi(digits)
		if err != nil || (len(digits) > 1 && digits[0] == '0') {
			g.asIs = true
		}
		g.nums = append(g.nums, n)
	}
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		if g.asIs {
			parts = append(parts, strings.Join(g.aliases, ", "))
			continue
		}
		parts = append(parts, renderRuns(g.stem, g.nums))
	}
	return strings.Join(parts, ", ")
}

// renderRuns renders the numbers of one stem as runs (see CompactAliases).
func renderRuns(stem string, nums []int) string {
	tail := stem[strings.LastIndexAny(stem, "-_.")+1:]
	nums = slices.Compact(slices.Sorted(slices.Values(nums)))
	var b strings.Builder
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if i == 0 {
			b.WriteString(stem)
		} else {
			b.WriteString(", " + tail)
		}
		b.WriteString(strconv.Itoa(nums[i]))
		if j > i {
			b.WriteString(".." + tail + strconv.Itoa(nums[j]))
		}
		i = j + 1
	}
	return b.String()
}

// splitTrailingDigits splits an alias into its stem and its trailing ASCII
// digits ("" when it has none).
func splitTrailingDigits(s string) (stem, digits string) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return s[:i], s[i:]
}
