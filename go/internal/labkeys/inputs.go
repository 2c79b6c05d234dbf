package labkeys

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/pyrepr"
)

// guidRule is what a guid may be: it names keys, files and user ids.
var guidRule = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$`)

// secretRule is a secret a key can have ("sk-" and no white space): a saved
// value that is not one is not offered to the engine.
var secretRule = regexp.MustCompile(`^sk-\S+$`)

// inputs are a lab's parameters resolved once: what every later step reads.
type inputs struct {
	guid, url       string
	multi           bool
	count           int    // users: 1 when not multi-user; < 1 when user_count is invalid
	countGiven      string // user_count (or num_users) as given, for the message
	userBase        string
	emailDomain     string
	alias           string // the key's alias, or the prefix of the users' aliases
	userID          string // the single user's LiteLLM user_id
	packageName     string
	packages        []string // the valid package names, in order
	packageKnown    bool
	models          []string
	duration        string
	maxBudget       *float64
	budgetGiven     string // max_budget as given when it is not a number >= 0, else ""
	docling         string // the docling model, "" when not included
	metadata        map[string]any
	timeout         int // < 1 when invalid
	retries         int // < 0 when invalid
	retryDelay      float64
	retryDelayValid bool
}

// resolve derives the lab's inputs from p: the rules the role documents
// (roles/ocp4_workload_litellm_virtual_keys/README.md, "Variables").
func resolve(p *Params, packageOrder []string) *inputs {
	in := &inputs{
		guid:        strings.TrimSpace(p.GUID),
		url:         strings.TrimSpace(p.LitellmURL),
		userBase:    p.UserBase,
		emailDomain: p.UserEmailDomain,
	}
	// Users: one key per user in a multi-user lab (multi_user, else num_users > 1).
	if p.MultiUser != nil {
		in.multi = *p.MultiUser
	} else {
		n, _ := jinjaInt(orDefault(p.NumUsers, 1))
		in.multi = n > 1
	}
	countIn := p.UserCount
	if countIn == nil {
		countIn = orDefault(p.NumUsers, 1)
	}
	in.countGiven = pyStr(countIn)
	in.count = 1
	if in.multi {
		in.count, _ = jinjaInt(countIn)
	}
	in.userID = in.guid + "@lab.opentlc.com"
	for _, c := range p.UserID {
		if c = strings.TrimSpace(c); c != "" {
			in.userID = c
			break
		}
	}
	in.alias = "virtkey-" + in.guid
	if p.AliasFormat != nil {
		in.alias = strings.TrimSpace(*p.AliasFormat)
	}

	// Package -> models and duration; explicit models/duration override; "custom" has its own.
	in.packageName = strings.TrimSpace(p.SubscriptionPackage)
	packages := maps.Clone(p.Packages)
	if packages == nil {
		packages = map[string]any{}
	}
	in.packages = slices.DeleteFunc(slices.Clone(packageOrder), func(k string) bool { _, ok := packages[k]; return !ok })
	if len(in.packages) != len(packages) { // no order from the args file (a Go caller)
		in.packages = slices.Sorted(maps.Keys(packages))
	}
	if _, ok := packages["custom"]; !ok {
		in.packages = append(in.packages, "custom")
	}
	packages["custom"] = map[string]any{"models": toAnyList(p.CustomModels), "duration": p.CustomDuration}
	pkg, _ := packages[in.packageName].(map[string]any)
	_, in.packageKnown = packages[in.packageName]
	in.packageKnown = in.packageKnown || in.packageName == "" // no package: models and duration as given
	models := p.Models
	if len(models) == 0 {
		models = stringList(pkg["models"])
	}
	if p.IncludeDocling {
		in.docling = p.DoclingModel
		models = append(slices.Clone(models), p.DoclingModel)
	}
	for _, m := range models {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(in.models, m) {
			in.models = append(in.models, m)
		}
	}
	if in.models == nil {
		in.models = []string{}
	}
	in.duration = strings.TrimSpace(p.Duration)
	if in.duration == "" {
		in.duration = strings.TrimSpace(pyStr(orDefault(pkg["duration"], "")))
	}
	if b := strings.TrimSpace(pyStr(p.MaxBudget)); p.MaxBudget != nil && b != "" && b != "None" {
		if f, ok := jinjaFloat(p.MaxBudget); ok && f >= 0 {
			in.maxBudget = &f
		} else {
			in.budgetGiven = pyStr(p.MaxBudget)
		}
	}

	in.metadata = map[string]any{"environment": p.Environment, "owner": in.userID, "catalog_item": p.CatalogItem}
	maps.Copy(in.metadata, p.Metadata)
	maps.Copy(in.metadata, map[string]any{"guid": in.guid, "subscription_package": in.packageName,
		"models": strings.Join(in.models, ","), "duration": in.duration})

	in.timeout, _ = jinjaInt(p.APITimeout)
	if t, ok := jinjaInt(p.RetryCount); ok {
		in.retries = t
	} else {
		in.retries = -1
	}
	in.retryDelay, in.retryDelayValid = jinjaFloat(p.RetryDelay)
	in.retryDelayValid = in.retryDelayValid && in.retryDelay >= 0
	return in
}

// names says how messages name the parameters: as the module's options, or
// (variable_prefix set) as the role's variables.
type names struct{ prefix string }

func (n names) head() string {
	if n.prefix == "" {
		return Name + ": "
	}
	return strings.TrimSuffix(n.prefix, "_") + ": "
}

// of is the name of option o; guid, litellm_url and litellm_master_key are
// the role's variables of the same name, unprefixed.
func (n names) of(o string) string {
	switch o {
	case "guid", "litellm_url", "litellm_master_key":
		return o
	}
	return n.prefix + o
}

func (n names) missingWord() string {
	if n.prefix == "" {
		return "missing required option(s): "
	}
	return "missing required variable(s): "
}

// problems is the one message naming every missing and every invalid input
// of a run of state, or "" when there is none. Nothing has been sent then.
func (in *inputs) problems(n names, state string, p *Params) string {
	var missing, invalid []string
	if in.guid == "" {
		missing = append(missing, n.of("guid"))
	}
	if in.url == "" {
		missing = append(missing, n.of("litellm_url"))
	}
	if p.LitellmMasterKey == "" {
		missing = append(missing, n.of("litellm_master_key")+" (or the LITELLM_MASTER_KEY environment variable)")
	}
	if in.guid != "" && (!guidRule.MatchString(in.guid) || strings.Contains(in.guid, "..")) {
		invalid = append(invalid, fmt.Sprintf("guid '%s' is invalid: use letters, digits, '-', '_' and '.', starting and ending with a letter or digit, without '..'", in.guid))
	}
	if in.count < 1 {
		invalid = append(invalid, fmt.Sprintf("%s (or num_users) must be a whole number of at least 1 in multi-user mode, got '%s'", n.of("user_count"), in.countGiven))
	}
	if in.timeout < 1 {
		invalid = append(invalid, fmt.Sprintf("%s must be a whole number of seconds of at least 1, got '%s'", n.of("api_timeout"), pyStr(p.APITimeout)))
	}
	if in.retries < 0 {
		invalid = append(invalid, fmt.Sprintf("%s must be a whole number of at least 0, got '%s'", n.of("retry_count"), pyStr(p.RetryCount)))
	}
	if !in.retryDelayValid {
		invalid = append(invalid, fmt.Sprintf("%s must be a number of seconds of at least 0, got '%s'", n.of("retry_delay"), pyStr(p.RetryDelay)))
	}
	if state == statePresent {
		switch {
		case !in.packageKnown:
			invalid = append(invalid, fmt.Sprintf("%s '%s' is unknown; valid packages: %s", n.of("subscription_package"), in.packageName, strings.Join(in.packages, ", ")))
		default:
			if len(in.models) == 0 {
				if in.packageName == "" {
					invalid = append(invalid, fmt.Sprintf("no models: %s is not set and no %s is given", n.of("models"), n.of("subscription_package")))
				} else if in.packageName == "custom" {
					invalid = append(invalid, "no models: "+n.of("custom_models")+" must list the models of the custom package")
				} else {
					invalid = append(invalid, fmt.Sprintf("no models: package '%s' has none and %s is not set", in.packageName, n.of("models")))
				}
			}
			if in.duration == "" && in.packageName == "" {
				invalid = append(invalid, fmt.Sprintf("no duration: %s is not set and no %s is given", n.of("duration"), n.of("subscription_package")))
			} else if in.duration == "" {
				invalid = append(invalid, fmt.Sprintf("no duration: package '%s' has none and %s is not set", in.packageName, n.of("duration")))
			}
		}
		if in.budgetGiven != "" {
			invalid = append(invalid, fmt.Sprintf("%s must be a number of at least 0 or null, got '%s'", n.of("max_budget"), in.budgetGiven))
		}
	} else if p.ForceDBDelete && strings.TrimSpace(p.DatabaseURL) == "" {
		invalid = append(invalid, n.of("force_db_delete")+" needs "+n.of("database_url")+" (or the DATABASE_URL environment variable)")
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, n.missingWord()+strings.Join(missing, ", "))
	}
	if len(invalid) > 0 {
		parts = append(parts, "invalid: "+strings.Join(invalid, "; "))
	}
	if len(parts) == 0 {
		return ""
	}
	return n.head() + strings.Join(parts, "; ")
}

// jinjaInt is Jinja's `| int`: a whole number, a number's whole part, a
// string of either, or a boolean; ok is false (and the value 0) otherwise.
func jinjaInt(v any) (int, bool) {
	if n, ok := v.(json.Number); ok {
		v = string(n)
	}
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, false
		}
		return int(t), true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	case string:
		s := strings.TrimSpace(t)
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return int(f), true
		}
	}
	return 0, false
}

// jinjaFloat is Jinja's `| float`: ok is false for what is not a number.
func jinjaFloat(v any) (float64, bool) {
	if n, ok := v.(json.Number); ok {
		v = string(n)
	}
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, !math.IsNaN(t)
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil && !math.IsNaN(f) {
			return f, true
		}
	}
	return 0, false
}

// pyStr is how Python's str() shows a parameter's value in a message.
func pyStr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case string:
		return t
	case bool:
		if t {
			return "True"
		}
		return "False"
	case float64:
		return pyrepr.Float(t)
	case json.Number:
		if f, err := t.Float64(); err == nil && strings.ContainsAny(string(t), ".eE") {
			return pyrepr.Float(f)
		}
		return string(t)
	}
	return fmt.Sprint(v)
}

func orDefault(v, d any) any {
	if v == nil {
		return d
	}
	return v
}

// stringList is a list value's items as text (nil for what is no list).
func stringList(v any) []string {
	l, ok := v.([]any)
	if !ok {
		if s, ok := v.([]string); ok {
			return s
		}
		return nil
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, pyStr(x))
	}
	return out
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
