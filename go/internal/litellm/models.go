package litellm

import (
	"context"
	"errors"
	"net/http"
)

// ModelInfo lists the proxy's deployments with GET /model/info, falling back
// to GET /v1/models (model ids only) on proxies that do not serve it (404 or
// 405). Several deployments may share a model name; names may be wildcards
// such as "openai/*".
func (c *Client) ModelInfo(ctx context.Context) ([]Model, error) {
	r, err := c.newRequest(http.MethodGet, "/model/info", nil, nil)
	if err != nil {
		return nil, err
	}
	var info struct {
		Data []Model `json:"data"`
	}
	err = c.do(ctx, r, &info)
	if err == nil {
		if info.Data == nil {
			return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "data" list`}
		}
		return info.Data, nil
	}
	var ae *APIError
	if !errors.As(err, &ae) || (ae.Status != http.StatusNotFound && ae.Status != http.StatusMethodNotAllowed) {
		return nil, err
	}
	r, err = c.newRequest(http.MethodGet, "/v1/models", nil, nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.do(ctx, r, &list); err != nil {
		return nil, err
	}
	if list.Data == nil {
		return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "data" list`}
	}
	out := make([]Model, 0, len(list.Data))
	for _, d := range list.Data {
		var m Model
		m.ModelName = d.ID
		out = append(out, m)
	}
	return out, nil
}
