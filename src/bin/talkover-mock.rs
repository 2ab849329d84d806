//! `talkover-mock [--host 127.0.0.1] [--port 4010] [--rate-limit-per-minute N]
//! [--expose-request-log]`: runs the mock server of every API in `spec/` until interrupted,
//! after printing its URL and a token to use.

use std::process::ExitCode;

use talkover::mock::MockServer;

const USAGE: &str = "usage: talkover-mock [--host HOST] [--port PORT] \
                     [--rate-limit-per-minute N] [--expose-request-log]";

const HELP: &str = "
  --host HOST                 address to listen on (default 127.0.0.1)
  --port PORT                 port to listen on, 0 for a free one (default 4010)
  --rate-limit-per-minute N   answer 429 past N requests a minute per token (default: no limit)
  --expose-request-log        serve GET /__mock__/requests on a non-loopback address too";

fn usage_error() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut builder = MockServer::builder();
    let mut host = "127.0.0.1".to_string();
    let mut port = "4010".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}\n{HELP}");
                return ExitCode::SUCCESS;
            }
            "--expose-request-log" => {
                builder = builder.expose_request_log(true);
                continue;
            }
            "--host" | "--port" | "--rate-limit-per-minute" => args.next(),
            _ => None,
        };
        match (arg.as_str(), value) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) if v.parse::<u16>().is_ok() => port = v,
            ("--rate-limit-per-minute", Some(v)) => match v.parse::<u32>() {
                Ok(per_minute) => builder = builder.rate_limit_per_minute(per_minute),
                Err(_) => return usage_error(),
            },
            _ => return usage_error(),
        }
    }
    let mut mock = match builder.addr(&format!("{host}:{port}")).start() {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("talkover-mock: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Mock server listening on {}", mock.url());
    println!("Token: {}", mock.token());
    println!(
        "Test controls: {}/__mock__/ (requests, faults, rate-limit, reset). Stop with Ctrl-C.",
        mock.url()
    );
    mock.wait();
    ExitCode::SUCCESS
}
