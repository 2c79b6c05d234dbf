package virtualkey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

// secretBytes is the entropy of a key secret: 16 bytes, which encode to 22
// URL-safe base64 characters, the shape of LiteLLM's own generated keys.
const secretBytes = 16

// Ways a returned secret is known (the result's secret_recovered_by).
const (
	RecoveredCreated    = "created"
	RecoveredKnownKey   = "known_key"
	RecoveredDerivation = "derivation"
)

// Derive returns the deterministic secret of alias: "sk-" followed by the
// first 16 bytes of HMAC-SHA256(key=secret, message=alias), URL-safe base64
// without padding (25 characters, like LiteLLM's generated keys).
func Derive(secret, alias string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(alias))
	return "sk-" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:secretBytes])
}

// masterKeyLabel separates the derivation secret computed from a master key
// from any other use of that key.
const masterKeyLabel = "rhpds.litellm_virtual_keys key derivation v1"

// MasterKeyDerivationSecret returns the derivation secret used when none is
// configured: HMAC-SHA256(key=master key, message=a fixed label), hex. It
// reveals nothing about the master key, and every holder of the master key
// (who can do anything on the proxy anyway) computes the same one.
func MasterKeyDerivationSecret(masterKey string) string {
	mac := hmac.New(sha256.New, []byte(masterKey))
	mac.Write([]byte(masterKeyLabel))
	return hex.EncodeToString(mac.Sum(nil))
}

// NewSecret returns a random secret in LiteLLM's format. The engine chooses
// every new key's secret itself, so that a create whose answer was lost can
// be recognised by hash when the alias is looked up again.
func NewSecret() (string, error) {
	var b [secretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "sk-" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// matches reports whether raw is the secret of the key with token hash token.
func matches(raw, token string) bool {
	if raw == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(litellm.HashKey(raw)), []byte(token)) == 1
}
