# rhpds.litellm_virtual_keys — two commands matter:
#   make demo   run the role against the built-in fake LiteLLM server
#   make test   the whole test suite (Go, PostgreSQL, ansible-playbook integration)
# Both install what is missing (ansible-core from Debian, PostgreSQL) and start/stop their services.

SHELL := /bin/bash
export GOTOOLCHAIN := local
export GOFLAGS := -buildvcs=false

GO       ?= go
MODULES  := litellm_key agnosticd_user_info litellm_key_info
HOSTOS   := $(shell $(GO) env GOOS 2>/dev/null)
HOSTARCH := $(shell $(GO) env GOARCH 2>/dev/null)
# Modules run on the host a task targets, usually the controller: build for this machine by default.
GOOS     ?= $(HOSTOS)
GOARCH   ?= $(HOSTARCH)
# Release tarballs target execution environments (linux/amd64) unless told otherwise.
DIST_GOOS   ?= linux
DIST_GOARCH ?= amd64
VERSION  := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL  := dist/rhpds-litellm_virtual_keys-$(VERSION).tar.gz
LDFLAGS  := -s -w

.PHONY: all build fake dist deps lint test test-go test-integration demo bench clean help

all: build

help:
	@echo "make demo               provision/re-provision/destroy a key against the fake LiteLLM (about 10 s)"
	@echo "make test               the whole suite; prints 'N passed, M failed' last"
	@echo "make build              Go modules into plugins/modules/ (GOOS/GOARCH overridable)"
	@echo "make dist               collection tarball into dist/ (DIST_GOOS/DIST_GOARCH, default linux/amd64)"
	@echo "make lint               gofmt, go vet, YAML syntax, ansible-lint (production profile)"
	@echo "make bench              benchmarks (Go + ansible-playbook wall times)"

build:
	@for m in $(MODULES); do \
	  (cd go && CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o ../plugins/modules/$$m ./cmd/$$m) || exit 1; \
	done
	@echo "built $(MODULES) for $(GOOS)/$(GOARCH) into plugins/modules/"

fake:
	@cd go && CGO_ENABLED=0 $(GO) build -trimpath -o bin/fake-litellm ./cmd/fake-litellm

dist: deps-ansible
	@$(MAKE) --no-print-directory build GOOS=$(DIST_GOOS) GOARCH=$(DIST_GOARCH)
	@mkdir -p dist
	@ansible-galaxy collection build --force --output-path dist . >/dev/null
	@echo "built $(TARBALL) (modules for $(DIST_GOOS)/$(DIST_GOARCH))"

deps: deps-go deps-ansible

.PHONY: deps-go deps-ansible
deps-go:
	@command -v $(GO) >/dev/null || { echo "Go is required (https://go.dev/dl/); it is not on PATH" >&2; exit 1; }

deps-ansible:
	@tests/scripts/deps.sh

lint: deps-go deps-ansible
	@out=$$(cd go && gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	@cd go && $(GO) vet ./...
	@cd go && $(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'cd go && go mod tidy'" >&2; exit 1; }
	@cd go && { bin/staticcheck -version 2>/dev/null | grep -qF '(0.8.2)' || GOBIN=$$PWD/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2; } && bin/staticcheck ./...
	@tests/scripts/yamlcheck.sh
	@py=/usr/bin/python3; [ -x $$py ] || py=python3; $$py tests/scripts/changelog.py check && $$py tests/scripts/metadata_check.py
	@# ansible-lint, production profile (.ansible-lint), against this checkout with its modules built
	@$(MAKE) --no-print-directory build >/dev/null
	@tests/scripts/ansible-lint.sh
	@echo "lint ok"

test: deps
	@tests/scripts/test.sh

demo: deps
	@$(MAKE) --no-print-directory dist DIST_GOOS=$(HOSTOS) DIST_GOARCH=$(HOSTARCH) fake
	@tests/scripts/with-collection.sh tests/scripts/demo.sh

bench: deps
	@tests/scripts/bench.sh

clean:
	rm -rf dist build go/bin $(addprefix plugins/modules/,$(MODULES))
