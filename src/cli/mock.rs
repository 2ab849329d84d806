//! `talkover mock [--host H] [--port N] [--rate-limit-per-minute N] [--expose-request-log]`:
//! serves the bundled mock server of every API until Ctrl-C, after printing its URL and a
//! token, as `talkover-mock` and `python -m talkover.testing` do.

use std::io::Write;
use std::time::Duration;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

use super::failure::{FAILURE, SUCCESS};
use crate::mock::MockServer;

pub(crate) const NAME: &str = "mock";

pub(crate) fn command() -> Command {
    Command::new(NAME)
        .about("Run the bundled mock server of every API until Ctrl-C")
        .arg(
            Arg::new("host")
                .long("host")
                .value_name("HOST")
                .default_value("127.0.0.1")
                .help("Address to listen on"),
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("PORT")
                .value_parser(value_parser!(u16))
                .default_value("4010")
                .help("Port to listen on, 0 for a free one"),
        )
        .arg(
            Arg::new("rate_limit_per_minute")
                .long("rate-limit-per-minute")
                .value_name("N")
                .value_parser(value_parser!(u32))
                .help("Answer 429 past N requests a minute per token (default: no limit)"),
        )
        .arg(
            Arg::new("expose_request_log")
                .long("expose-request-log")
                .action(ArgAction::SetTrue)
                .help("Serve GET /__mock__/requests on a non-loopback --host too"),
        )
}

/// Serves until interrupted; the exit status.
pub(crate) fn run(matches: &ArgMatches, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let host = matches
        .try_get_one::<String>("host")
        .ok()
        .flatten()
        .map_or("127.0.0.1", String::as_str);
    let port = matches
        .try_get_one::<u16>("port")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(4010);
    let expose = matches
        .try_get_one::<bool>("expose_request_log")
        .ok()
        .flatten()
        .is_some_and(|e| *e);
    let mut builder = MockServer::builder()
        .addr(&format!("{host}:{port}"))
        .expose_request_log(expose);
    if let Ok(Some(per_minute)) = matches.try_get_one::<u32>("rate_limit_per_minute") {
        builder = builder.rate_limit_per_minute(*per_minute);
    }
    let mock = match builder.start() {
        Ok(mock) => mock,
        Err(e) => {
            let _ = writeln!(err, "error: cannot listen on {host}:{port}: {e}");
            return FAILURE;
        }
    };
    let _ = writeln!(out, "Mock server listening on {}", mock.url());
    let _ = writeln!(out, "Token: {}", mock.token());
    let _ = writeln!(
        out,
        "Test controls under {}/__mock__/. Stop with Ctrl-C.",
        mock.url()
    );
    let _ = out.flush();
    // Sleeps until Ctrl-C: a signal ends a plain process; under Python the interrupt check
    // that `talkover._native` installs ends the wait instead.
    while crate::rt::interrupt::sleep(Duration::from_secs(3600)).is_ok() {}
    drop(mock);
    SUCCESS
}
