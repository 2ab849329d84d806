#!/usr/bin/env bash
# Packages talkover-codegen and talkover as crates.io would (cargo publish --dry-run), then
# builds a scratch project that depends on the unpacked .crate files alone (no checkout) and
# runs a quickstart against the bundled mock.
set -euo pipefail
cd "$(dirname "$0")/.."
# Cargo takes a registry crate of a known version as unchanged, so the packaged codegen built
# by an earlier run would be reused in place of today's: package and verify in a fresh folder.
export CARGO_TARGET_DIR=target/crate-check
rm -rf "$CARGO_TARGET_DIR"
cargo publish --workspace --dry-run --allow-dirty --quiet
cargo package --workspace --allow-dirty --no-verify --quiet
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for crate in "$CARGO_TARGET_DIR"/package/talkover-codegen-*.crate "$CARGO_TARGET_DIR"/package/talkover-[0-9]*.crate; do
    tar -xzf "$crate" -C "$scratch"
done
codegen_dir="$(ls -d "$scratch"/talkover-codegen-*)"
sdk_dir="$(ls -d "$scratch"/talkover-[0-9]*)"
mkdir -p "$scratch/user/src"
cat > "$scratch/user/Cargo.toml" <<TOML
[package]
name = "crate-user"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
talkover = { path = "$sdk_dir", features = ["mock"] }

[patch.crates-io]
talkover-codegen = { path = "$codegen_dir" }

[workspace]
TOML
cat > "$scratch/user/src/main.rs" <<'RUST'
use talkover::mock::MockServer;
use talkover::{Client, ListCallsParams, MakeCallParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start()?;
    let client = Client::builder().token(mock.token()).base_url(mock.url()).build()?;
    let call = client.calls().create(
        "agent_123456",
        &MakeCallParams { to: "+15550001111".into(), is_testing: Some(true), ..Default::default() },
    )?;
    let listed = client.calls().list(&ListCallsParams::default())?.into_iter().count();
    println!("placed {} ({}), {listed} calls listed", call.id, call.status);
    Ok(())
}
RUST
NO_PROXY=127.0.0.1,localhost cargo run --quiet --manifest-path "$scratch/user/Cargo.toml"
