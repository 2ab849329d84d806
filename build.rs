//! Regenerates the SDK from every `spec/*.yaml` into OUT_DIR on each build where a spec
//! changed, so editing a spec is the whole workflow for a new endpoint. Also generates the
//! generator's edge-case fixture, which the integration tests compile and run.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=spec");
    println!("cargo::rerun-if-changed=codegen/tests/fixtures");
    if let Err(e) = run() {
        // A spec error is the user's to fix: say which and where, without a backtrace.
        println!("cargo::error={e}");
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut specs: Vec<PathBuf> = std::fs::read_dir("spec")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    specs.sort();
    let apis = specs
        .iter()
        .map(|p| talkover_codegen::generate_file(p))
        .collect::<Result<Vec<_>, _>>()?;

    for api in &apis {
        write_generated(&out, api)?;
    }
    // The stub file (`_native.pyi`) is not written here: `make stubs` writes it through the
    // generator's command line, and nothing in the build reads it.
    // The API whose spec is named as the crate is its main one: `talkover::Client`.
    let main_api = std::env::var("CARGO_PKG_NAME")?;
    let index = talkover_codegen::apis_file(&apis, Some(&main_api))?;
    write_if_changed(&out.join("apis.rs"), &index)?;

    // Only the repository's own tests use the fixture; a packaged crate does not ship it.
    let fixture_spec = Path::new("codegen/tests/fixtures/edge.yaml");
    if fixture_spec.exists() {
        let fixture = talkover_codegen::generate_file(fixture_spec)?;
        let fixtures = out.join("fixtures");
        std::fs::create_dir_all(&fixtures)?;
        write_generated(&fixtures, &fixture)?;
    }
    Ok(())
}

fn write_generated(dir: &Path, api: &talkover_codegen::Generated) -> std::io::Result<()> {
    write_if_changed(&dir.join(format!("{}.rs", api.module)), &api.rust)?;
    write_if_changed(&dir.join(format!("{}_python.rs", api.module)), &api.python)?;
    write_if_changed(&dir.join(format!("{}_mock.rs", api.module)), &api.mock)?;
    write_if_changed(&dir.join(format!("{}_cli.rs", api.module)), &api.cli)
}

/// Leaves unchanged files alone so their timestamps do not force recompiles.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text)
}
