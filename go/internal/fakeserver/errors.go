package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Error types LiteLLM puts in the envelope's "type" field.
const (
	typeAuth          = "auth_error"
	typeBadRequest    = "bad_request_error"
	typeNotFound      = "not_found_error"
	typeInternal      = "internal_server_error"
	typeTokenNotFound = "token_not_found_in_db"
	typeExpiredKey    = "expired_key"
)

// paramNone is the string LiteLLM sends as "param" when there is none.
const paramNone = "None"

// proxyError is LiteLLM's ProxyException as it reaches the wire.
type proxyError struct {
	Status  int
	Message string
	Type    string
	Param   string
}

// envelope is the JSON body of a ProxyException.
type envelope struct {
	Error envelopeBody `json:"error"`
}

type envelopeBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Param   string `json:"param"`
	Code    string `json:"code"`
}

func (e *proxyError) body() envelope {
	return envelope{Error: envelopeBody{
		Message: e.Message,
		Type:    e.Type,
		Param:   e.Param,
		Code:    strconv.Itoa(e.Status),
	}}
}

// httpDetailError is what LiteLLM's handle_exception_on_proxy makes of a
// FastAPI HTTPException: type internal_server_error whatever the status, param
// "None", and the detail as message (a dict detail becomes its Python repr).
func httpDetailError(status int, message string) *proxyError {
	return &proxyError{Status: status, Message: message, Type: typeInternal, Param: paramNone}
}

// dictDetailError is httpDetailError for the common detail {"error": msg}.
func dictDetailError(status int, msg string) *proxyError {
	return httpDetailError(status, "{'error': "+pyRepr(msg)+"}")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"message":"Internal Server Error, encode response","type":"internal_server_error","param":"None","code":"500"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeProxyError(w http.ResponseWriter, e *proxyError) {
	writeJSON(w, e.Status, e.body())
}

// detailItem is one entry of FastAPI's 422 "detail" array.
type detailItem struct {
	Type  string          `json:"type"`
	Loc   []any           `json:"loc"`
	Msg   string          `json:"msg"`
	Input json.RawMessage `json:"input"`
	Ctx   map[string]any  `json:"ctx,omitempty"`
}

// validationError is FastAPI's RequestValidationError.
type validationError struct {
	Detail []detailItem `json:"detail"`
}

func writeValidation(w http.ResponseWriter, items []detailItem) {
	writeJSON(w, http.StatusUnprocessableEntity, validationError{Detail: items})
}

// rawJSON renders v as JSON for a detail item's "input".
func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// pyRepr renders s as Python's repr() of a str: single quotes unless the text
// holds a single quote and no double quote.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)|0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// maskKey abbreviates a secret the way LiteLLM does in error messages:
// first four and last four characters around "****", or "****" when short.
func maskKey(k string) string {
	if len(k) > 8 {
		return k[:4] + "****" + k[len(k)-4:]
	}
	return "****"
}
