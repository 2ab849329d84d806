//! `talkover-mock [--host 127.0.0.1] [--port 4010]`: runs the mock server of every API in
//! `spec/` until interrupted, after printing its URL and a token to use.

use std::process::ExitCode;

use talkover::mock::MockServer;

const USAGE: &str = "usage: talkover-mock [--host HOST] [--port PORT]";

fn main() -> ExitCode {
    let mut host = "127.0.0.1".to_string();
    let mut port = "4010".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--host" | "--port" => args.next(),
            _ => None,
        };
        match (arg.as_str(), value) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) if v.parse::<u16>().is_ok() => port = v,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let mut mock = match MockServer::bind(&format!("{host}:{port}")) {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("talkover-mock: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Mock server listening on {}", mock.url());
    println!("Token: {}", mock.token());
    println!(
        "Test controls: {}/__mock__/ (requests, faults, reset). Stop with Ctrl-C.",
        mock.url()
    );
    mock.wait();
    ExitCode::SUCCESS
}
