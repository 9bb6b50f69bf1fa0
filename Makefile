# Isaac Lens: `make run` sets up, builds and opens the app; `make test` sets up and runs every test.
SHELL := /bin/bash
SHARED ?= ../shared/isaac
CARGO ?= cargo

.PHONY: setup setup-test build run test bench screenshots clean-data

setup:
	@scripts/setup.sh $(if $(CUDA),--cuda,)

# What only the tests, benchmarks and screenshots use as well (Chromium, feh).
setup-test:
	@scripts/setup.sh --test $(if $(CUDA),--cuda,)

build: setup
	$(CARGO) build --release

run: build
	@scripts/run.sh

# Static checks first (formatting, clippy with warnings as errors), then every test.
test: setup-test
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) test --release -- --test-threads=1

bench: build setup-test
	@scripts/bench.sh

screenshots: build setup-test
	@scripts/screenshots.sh
