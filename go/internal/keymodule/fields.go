package keymodule

// record_fields: the fields of each bulk record a caller reads. A large lab's
// result is walked by Ansible in every template that references it, and
// wrapped and copied with every value in it, so returning only what the caller
// reads makes every later task cheaper (docs/role-performance.md).

import (
	"reflect"
	"slices"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// alwaysFields are in every projected record: an item's failure must show.
var alwaysFields = []string{"failed", "msg", "error_kind"}

// recordFieldNames are the fields of a record (virtualkey.KeyResult's JSON
// names) that record_fields may name, in declaration order.
var recordFieldNames = func() []string {
	var names []string
	t := reflect.TypeOf(virtualkey.KeyResult{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && name != "diff" && !slices.Contains(alwaysFields, name) {
			names = append(names, name)
		}
	}
	return names
}()

// checkRecordFields refuses record_fields without keys and unknown names.
func (p *Params) checkRecordFields(bulk bool) error {
	if len(p.RecordFields) == 0 {
		return nil
	}
	if !bulk {
		return &virtualkey.ValidationError{Msg: "record_fields selects the fields of the records of keys (bulk mode): omit it with key_alias"}
	}
	for _, f := range p.RecordFields {
		if !slices.Contains(recordFieldNames, f) {
			return &virtualkey.ValidationError{Msg: "record_fields: unknown field '" + f + "'; valid fields: " + strings.Join(recordFieldNames, ", ")}
		}
	}
	return nil
}

// project returns each record with only the given fields (and, for a failed
// item, failed, msg and error_kind).
func project(rs []*virtualkey.KeyResult, fields []string) ([]map[string]any, error) {
	out := make([]map[string]any, len(rs))
	keep := append(slices.Clone(fields), alwaysFields...)
	for i, r := range rs {
		all, err := ansible.ToObject(r)
		if err != nil {
			return nil, err
		}
		rec := make(map[string]any, len(keep))
		for _, f := range keep {
			if v, ok := all[f]; ok {
				rec[f] = v
			}
		}
		out[i] = rec
	}
	return out, nil
}
