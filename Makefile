# Everything a fresh machine with cargo and python3 needs: `make demo` and `make test`.
# Python tools go into .venv (pinned in requirements-dev.txt); nothing is taken from the host.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPECS  := $(wildcard spec/*.yaml spec/*.yml)
# Redocly CLI for `lint-specs`, pinned and installed into .node (not onto the host).
REDOCLY_VERSION := 2.77.0
REDOCLY := .node/node_modules/.bin/redocly

.PHONY: dist crates bench demo fuzz soak mock test develop generated stubs snapshots check-rust test-rust test-python test-interpreters stubtest lint-python validate-specs lint-specs clean

## demo: build the Python package into .venv and run the quickstart tour against the bundled mock server
demo: develop
	$(BIN)/python examples/quickstart.py --local

## mock: run the mock server on port 4010 until Ctrl-C (prints the URL and a token)
mock: develop
	$(BIN)/python -m talkover.testing --port 4010

## test: every check CI runs
test: check-rust test-rust test-python test-interpreters stubtest lint-python validate-specs lint-specs

$(BIN)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## develop: build the native module and install it (editable) into .venv
develop: $(BIN)/.installed
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin develop --quiet

check-rust:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet --features mock,cli

# The integration tests talk to servers on loopback: never through a proxy from the environment.
# The Rust quickstart runs too, against the mock, so the README's Rust example stays true.
# With `cli`, tests/cli.rs runs the `talkover` binary against the mock.
test-rust:
	NO_PROXY=127.0.0.1,localhost cargo test --workspace --features mock,cli
	NO_PROXY=127.0.0.1,localhost cargo run --quiet --features mock,cli --example quickstart -- --local > /dev/null

test-python: develop generated
	$(BIN)/python -m pytest -q

# The same suite on the oldest and the newest supported Python, and mypy at the oldest.
test-interpreters: develop generated
	scripts/test_interpreters.sh

# stubtest imports the installed package; run it from a folder without a `talkover` source tree.
stubtest: develop
	cd tests && ../$(BIN)/python -m mypy.stubtest talkover

lint-python: $(BIN)/.installed
	$(BIN)/python -m mypy python/talkover tests/python examples benchmarks

validate-specs: $(BIN)/.installed
	$(BIN)/openapi-spec-validator $(SPECS) codegen/tests/fixtures/edge.yaml

# Redocly's recommended rules (redocly.yaml): any error fails, warnings are shown. The
# environment keeps it from reporting usage and from checking for updates.
lint-specs: $(REDOCLY)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true $(REDOCLY) lint --format=summary $(SPECS)

$(REDOCLY):
	npm install --prefix .node --no-audit --no-fund --loglevel=error @redocly/cli@$(REDOCLY_VERSION)

## stubs: rewrite python/talkover/_native.pyi and docs/api.md after a spec change
stubs: generated
	cp target/generated/_native.pyi python/talkover/_native.pyi
	cp target/generated/api.md docs/api.md

# Every generated file, written by the generator's CLI; the Python suite reads operations.json.
generated:
	cargo run --quiet -p talkover-codegen -- $(SPECS) target/generated > /dev/null

## snapshots: review generated-code changes (cargo-insta if installed, else accept into .snap.new files)
snapshots:
	cargo test --no-run --quiet -p talkover-codegen --test snapshots
	INSTA_UPDATE=new cargo test -p talkover-codegen --test snapshots || true
	@command -v cargo-insta >/dev/null && cargo insta review || echo "review the .snap.new files, then rename them over the .snap files"

## dist: an abi3 manylinux wheel (built with zig, checked by auditwheel) and an sdist in dist/;
## then the wheel is installed into fresh 3.9 and 3.13 venvs without cargo and used against the mock
dist: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ziglang==0.17.0 auditwheel==6.8.2
	rm -rf dist
	PATH=$(abspath $(BIN)):$$PATH VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin build --release --zig --compatibility manylinux2014 --out dist --quiet
	$(BIN)/maturin sdist --out dist
	$(BIN)/auditwheel show dist/*.whl | tee target/auditwheel.txt
	grep -q "manylinux" target/auditwheel.txt
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir target/from-sdist dist/talkover-*.tar.gz
	scripts/check_wheel.sh

## crates: package talkover-codegen and talkover as crates.io would, and build a project from the .crate files alone
crates:
	scripts/check_crates.sh

clean:
	rm -rf $(VENV) .node target

## fuzz: property-based fuzzing (proptest, stable Rust), FUZZ_CASES inputs per target (default 1,000,000)
# Every response decoder, error answer, encoder and the mock's request parser; release mode.
# Each target prints its count and time; any panic or broken invariant fails the run.
FUZZ_CASES ?= 1000000
fuzz:
	@mkdir -p target
	@echo "fuzzing: $(FUZZ_CASES) cases per target; the log is target/fuzz.log"
	@NO_PROXY=127.0.0.1,localhost PROPTEST_CASES=$(FUZZ_CASES) cargo test --release --features mock \
		--lib --test fuzz_http -- fuzz_ --nocapture --test-threads=2 > target/fuzz.log 2>&1; \
		status=$$?; grep '^fuzz target' target/fuzz.log; \
		if [ $$status -ne 0 ]; then tail -n 60 target/fuzz.log; fi; exit $$status

## soak: 100,000 mixed calls over 8 threads through one client against the mock, faults injected
# Prints a summary table; fails on any error no injected fault explains, RSS growth of 10 MB
# or more, or a change in open descriptors.
soak:
	NO_PROXY=127.0.0.1,localhost cargo test --release --features mock --test soak -- --ignored --nocapture

## bench: talkover next to requests, httpx, urllib3 and raw Python/Rust floors against a local nginx; writes docs/performance.md
bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt \
		|| echo "bench: could not install the Python peers; the missing ones are skipped"
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin develop --release --quiet
	$(BIN)/python benchmarks/bench.py
