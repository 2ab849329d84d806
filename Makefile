# Everything a fresh machine with cargo and python3 needs: `make demo` and `make test`.
# Python tools go into .venv (pinned in requirements-dev.txt); nothing is taken from the host.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPECS  := $(wildcard spec/*.yaml)

.PHONY: bench demo mock test develop generated stubs snapshots check-rust test-rust test-python stubtest lint-python validate-specs clean

## demo: build the Python package into .venv and run the quickstart tour against the bundled mock server
demo: develop
	$(BIN)/python examples/quickstart.py --local

## mock: run the mock server on port 4010 until Ctrl-C (prints the URL and a token)
mock: develop
	$(BIN)/python -m talkover.testing --port 4010

## test: every check CI runs
test: check-rust test-rust test-python stubtest lint-python validate-specs

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
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet --features mock

# The integration tests talk to servers on loopback: never through a proxy from the environment.
# The Rust quickstart runs too, against the mock, so the README's Rust example stays true.
test-rust:
	NO_PROXY=127.0.0.1,localhost cargo test --workspace --features mock
	NO_PROXY=127.0.0.1,localhost cargo run --quiet --features mock --example quickstart -- --local > /dev/null

test-python: develop generated
	$(BIN)/python -m pytest -q

# stubtest imports the installed package; run it from a folder without a `talkover` source tree.
stubtest: develop
	cd tests && ../$(BIN)/python -m mypy.stubtest talkover

lint-python: $(BIN)/.installed
	$(BIN)/python -m mypy python/talkover tests/python examples benchmarks

validate-specs: $(BIN)/.installed
	$(BIN)/openapi-spec-validator $(SPECS) codegen/tests/fixtures/edge.yaml

## stubs: rewrite python/talkover/_native.pyi and docs/api.md after a spec change
stubs: generated
	cp target/generated/_native.pyi python/talkover/_native.pyi
	cp target/generated/api.md docs/api.md

# Every generated file, written by the generator's CLI; the Python suite reads operations.json.
generated:
	cargo run --quiet -p talkover-codegen -- $(SPECS) target/generated > /dev/null

## snapshots: review generated-code changes (cargo-insta if installed, else accept into .snap.new files)
snapshots:
	INSTA_UPDATE=new cargo test -p talkover-codegen --test snapshots || true
	@command -v cargo-insta >/dev/null && cargo insta review || echo "review the .snap.new files, then rename them over the .snap files"

clean:
	rm -rf $(VENV) target

## bench: talkover next to requests, httpx, urllib3 and raw Python/Rust floors against a local nginx; writes docs/performance.md
bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt \
		|| echo "bench: could not install the Python peers; the missing ones are skipped"
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin develop --release --quiet
	$(BIN)/python benchmarks/bench.py
