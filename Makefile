# rhpds.litellm_virtual_keys — two commands matter:
#   make demo   run the role against the built-in fake LiteLLM server
#   make test   the whole test suite (Go, PostgreSQL, ansible-playbook integration)
# Both install what is missing (ansible-core from Debian, PostgreSQL) and start/stop their services.

SHELL := /bin/bash
export GOTOOLCHAIN := local
export GOFLAGS := -buildvcs=false

GO       ?= go
MODULES  := litellm_key agnosticd_user_info litellm_key_info litellm_lab_keys
HOSTOS   := $(shell $(GO) env GOOS 2>/dev/null)
HOSTARCH := $(shell $(GO) env GOARCH 2>/dev/null)
# Modules run on the host a task targets, usually the controller: build for this machine by default.
GOOS     ?= $(HOSTOS)
GOARCH   ?= $(HOSTARCH)
# One multi-call binary per platform serves every module (go/cmd/litellm_vk); the action plugins pick
# bin/litellm_vk-<os>-<arch> for the task host at run time. The tarball holds every supported platform
# unless told otherwise (`make dist DIST_GOOS=linux DIST_GOARCH=amd64` for a quick single-platform one).
PLATFORMS   ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
ifdef DIST_GOOS
DIST_PLATFORMS := $(DIST_GOOS)/$(or $(DIST_GOARCH),$(HOSTARCH))
else
DIST_PLATFORMS := $(PLATFORMS)
endif
BINARY   := litellm_vk
VERSION  := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL  := dist/rhpds-litellm_virtual_keys-$(VERSION).tar.gz
LDFLAGS  := -s -w
# Size: validator's validateFn calls MethodByName, which makes the linker keep every exported method of
# every type (we never use validateFn); HTTP/2 is never needed to talk to the proxy's key API.
GOTAGS   := validator_novalidatefn nethttpomithttp2

.PHONY: all build binaries fake dist release deps lint test test-go test-integration demo bench clean help

all: build

help:
	@echo "make demo               provision/re-provision/destroy a key against the fake LiteLLM (about 10 s)"
	@echo "make test               the whole suite; prints 'N passed, M failed' last"
	@echo "make build              the module binary for this machine into bin/ (GOOS/GOARCH overridable)"
	@echo "make dist               collection tarball with all four platforms into dist/ (DIST_GOOS/DIST_GOARCH: one)"
	@echo "make release VERSION=x.y.z   tarball + git tag x.y.z whose tree carries the binaries (see README)"
	@echo "make lint               gofmt, go vet, tidy, staticcheck, YAML syntax, ansible-lint (production profile)"
	@echo "make bench              benchmarks (Go + ansible-playbook wall times)"

build:
	@cd go && CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -tags "$(GOTAGS)" -trimpath -ldflags "$(LDFLAGS)" -o ../bin/$(BINARY)-$(GOOS)-$(GOARCH) ./cmd/$(BINARY)
	@for d in plugins/modules/*.yml; do m=$$(basename "$$d" .yml); \
	  printf '# Documentation anchor of the Go module rhpds.litellm_virtual_keys.%s, written by make build:\n# ansible-doc finds it and reads %s.yml next to it. Tasks never run it: plugins/action/%s.py\n# runs the module from bin/$(BINARY)-<os>-<arch>.\n' "$$m" "$$m" "$$m" >"plugins/modules/$$m.sh"; \
	done
	@echo "built bin/$(BINARY)-$(GOOS)-$(GOARCH) (every module, for $(GOOS)/$(GOARCH))"

# bin/ holds exactly DIST_PLATFORMS, plus their SHA256SUMS; binaries of make build, and the per-module
# binaries an older layout built into plugins/modules/ (extensionless files), go.
binaries: deps-go
	@rm -f bin/$(BINARY)-* bin/SHA256SUMS
	@for f in plugins/modules/*; do case $$f in *.*) ;; *) rm -f "$$f" ;; esac; done
	@for p in $(DIST_PLATFORMS); do \
	  $(MAKE) --no-print-directory build GOOS=$${p%/*} GOARCH=$${p#*/} >/dev/null || exit 1; \
	done
	@cd bin && sha256sum $(BINARY)-* >SHA256SUMS
	@echo "built bin/$(BINARY)-* for $(DIST_PLATFORMS)"

fake:
	@cd go && CGO_ENABLED=0 $(GO) build -trimpath -o bin/fake-litellm ./cmd/fake-litellm

dist: deps-ansible binaries
	@mkdir -p dist
	@ansible-galaxy collection build --force --output-path dist . >/dev/null
	@echo "built $(TARBALL) ($$(du -m $(TARBALL) | cut -f1) MB, modules for $(DIST_PLATFORMS))"

# make release VERSION=x.y.z: the Galaxy tarball, and an annotated tag x.y.z on a commit (child of HEAD,
# on no branch) whose tree adds bin/ with the binaries, for catalogs that install with type: git.
release: deps
	@[ "$(origin VERSION)" = "command line" ] || { echo "usage: make release VERSION=x.y.z (galaxy.yml says $(VERSION))" >&2; exit 1; }
	@.ci/release.sh "$(VERSION)"

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
	rm -rf dist build bin go/bin $(addprefix plugins/modules/,$(MODULES)) plugins/modules/*.sh
