package litellm

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeySettingsWireFormat: the embedded KeySettings are flat on the wire,
// under LiteLLM's names, in both requests and in key objects.
func TestKeySettingsWireFormat(t *testing.T) {
	f, s, n, yes := 1.5, "30d", int64(7), true
	ks := KeySettings{MaxBudget: &f, BudgetDuration: &s, UserID: &s, TeamID: &s, Metadata: map[string]any{"a": "b"},
		TPMLimit: &n, RPMLimit: &n, MaxParallelRequests: &n, Blocked: &yes}
	settings := `"max_budget":1.5,"budget_duration":"30d","user_id":"30d","team_id":"30d","metadata":{"a":"b"},` +
		`"tpm_limit":7,"rpm_limit":7,"max_parallel_requests":7,"blocked":true`

	b, err := json.Marshal(&GenerateKeyRequest{KeyAlias: &s, Models: []string{"m"}, Duration: &s, KeySettings: ks})
	require.NoError(t, err)
	assert.JSONEq(t, `{"key_alias":"30d","models":["m"],"duration":"30d",`+settings+`}`, string(b))

	b, err = json.Marshal(&UpdateKeyRequest{Key: "tok", Models: &[]string{}, KeySettings: ks})
	require.NoError(t, err)
	assert.JSONEq(t, `{"key":"tok","models":[],`+settings+`}`, string(b))

	b, err = json.Marshal(&UpdateKeyRequest{Key: "tok"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"key":"tok"}`, string(b), "nil settings are not sent")

	var k Key
	require.NoError(t, json.Unmarshal([]byte(`{"token":"tok",`+settings+`}`), &k))
	assert.Equal(t, ks, k.KeySettings)
}
