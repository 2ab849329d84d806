//! `talkover-codegen <spec.yaml>... <out-dir>`: writes the generated files of any spec
//! (`<module>.rs`, `<module>_python.rs`, `<module>_mock.rs`, `<module>_cli.rs`) and the combined `_native.pyi`,
//! `api.md` (the API reference) and `operations.json` (the same as data) into a folder.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.len() < 2 || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: talkover-codegen <spec.yaml>... <out-dir>");
        return ExitCode::from(2);
    }
    let out_dir = args.pop().unwrap_or_default();
    match run(&args, &out_dir) {
        Ok(written) => {
            for path in written {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("talkover-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    specs: &[PathBuf],
    out_dir: &std::path::Path,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out_dir)?;
    let apis = specs
        .iter()
        .map(|s| talkover_codegen::generate_file(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut written = Vec::new();
    for api in &apis {
        for (suffix, text) in [
            ("", &api.rust),
            ("_python", &api.python),
            ("_mock", &api.mock),
            ("_cli", &api.cli),
        ] {
            let path = out_dir.join(format!("{}{suffix}.rs", api.module));
            std::fs::write(&path, text)?;
            written.push(path);
        }
    }
    let stub = out_dir.join("_native.pyi");
    std::fs::write(&stub, talkover_codegen::stub_file(&apis)?)?;
    written.push(stub);
    for (name, text) in [
        ("api.md", talkover_codegen::reference_file(&apis)),
        ("operations.json", talkover_codegen::index_file(&apis)),
    ] {
        let path = out_dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}
