package userinfo

import (
	"context"
	"fmt"
	"testing"
)

// labRequests is a 200-user lab's user info: the owner's message and data,
// then each user's message and key.
func labRequests(dir string) []Request {
	reqs := []Request{{OutputDir: dir, Msg: &Text{Lines: []string{"Lab ready"}}, Data: map[string]any{"endpoint": "https://x.example/v1"}}}
	for i := range 200 {
		reqs = append(reqs, Request{OutputDir: dir, User: fmt.Sprintf("user%d", i+1),
			Msg:  &Text{Lines: []string{"Your key is in the lab details."}},
			Data: map[string]any{"litellm_virtual_key": fmt.Sprintf("sk-%032d", i)}})
	}
	return reqs
}

// BenchmarkLab200 compares writing a 200-user lab with one users: call
// (ApplyAll) and with one call per user (Apply each, what a loop of tasks
// does, without Ansible's own cost per task).
func BenchmarkLab200(b *testing.B) {
	b.Run("users", func(b *testing.B) {
		for b.Loop() {
			dir := b.TempDir()
			if _, err := ApplyAll(context.Background(), labRequests(dir), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("single_calls", func(b *testing.B) {
		for b.Loop() {
			dir := b.TempDir()
			for _, r := range labRequests(dir) {
				if _, err := Apply(context.Background(), r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
