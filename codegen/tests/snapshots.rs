//! Pins every generated artifact: for each spec in `spec/` and for the edge-case fixture,
//! the Rust client, the pyo3 bindings, the Python stubs, the mock server's tables and the command line are
//! insta snapshots, so a change in the generator or a spec shows up as a reviewed snapshot diff (`make snapshots`).
//! Also checks that the committed `_native.pyi` and `docs/api.md` are what the specs generate.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives inside the workspace")
        .to_path_buf()
}

/// `spec/*.yaml`, sorted, as build.rs and `make stubs` see them.
fn spec_files() -> Vec<PathBuf> {
    let dir = repo_root().join("spec");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable spec folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no specs found in {}", dir.display());
    specs
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edge.yaml")
}

fn generate(path: &Path) -> talkover_codegen::Generated {
    talkover_codegen::generate_file(path)
        .unwrap_or_else(|e| panic!("{} does not generate: {e}", path.display()))
}

fn assert_snapshots(path: &Path) {
    let generated = generate(path);
    let module = &generated.module;
    insta::with_settings!({
        description => format!("generated from {}", path.strip_prefix(repo_root()).unwrap_or(path).display()),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{module}__rust"), generated.rust);
        insta::assert_snapshot!(format!("{module}__python"), generated.python);
        insta::assert_snapshot!(format!("{module}__stub"), generated.stub);
        insta::assert_snapshot!(format!("{module}__mock"), generated.mock);
        insta::assert_snapshot!(format!("{module}__cli"), generated.cli);
    });
}

#[test]
fn every_spec_in_the_spec_folder() {
    for spec in spec_files() {
        assert_snapshots(&spec);
    }
}

#[test]
fn edge_case_fixture() {
    assert_snapshots(&fixture());
}

#[test]
fn committed_stub_file_is_fresh() {
    let apis: Vec<_> = spec_files().iter().map(|p| generate(p)).collect();
    let expected = talkover_codegen::stub_file(&apis).expect("the specs' Python names are unique");
    assert_fresh("python/talkover/_native.pyi", &expected);
}

#[test]
fn committed_api_reference_is_fresh() {
    let apis: Vec<_> = spec_files().iter().map(|p| generate(p)).collect();
    assert_fresh("docs/api.md", &talkover_codegen::reference_file(&apis));
}

/// Fails, naming the first differing line, unless the committed file is what the specs generate.
fn assert_fresh(relative: &str, expected: &str) {
    let committed_path = repo_root().join(relative);
    let committed = std::fs::read_to_string(&committed_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", committed_path.display()));
    if committed != expected {
        let first_difference = committed
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one file is a prefix of the other".to_string(),
                |i| {
                    format!(
                        "first difference at line {}:\n  committed: {:?}\n  generated: {:?}",
                        i + 1,
                        committed.lines().nth(i).unwrap_or_default(),
                        expected.lines().nth(i).unwrap_or_default()
                    )
                },
            );
        panic!(
            "{relative} is stale: it is not what spec/*.yaml generate.\n\
             Run `make stubs` to regenerate it.\n{first_difference}"
        );
    }
}
