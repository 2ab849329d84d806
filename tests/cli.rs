//! The `talkover` command line (features `cli` and `mock`), run as a real process against
//! the mock server: operations of every group of both APIs, both output forms, what the
//! mock received, and the exit statuses — 0, 1 for an error answer or a refused
//! connection, 2 for a usage error or an argument the client's validation refuses (then
//! nothing is sent).
#![cfg(all(feature = "cli", feature = "mock"))]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{json, Value};
use talkover::mock::{Fault, MockServer};

fn start() -> MockServer {
    MockServer::start().expect("the mock starts on a free port")
}

/// The binary with a clean environment: no token or host but what a test gives.
fn talkover() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_talkover"));
    for name in [
        "TALKOVER_TOKEN",
        "TALKOVER_BASE_URL",
        "TALKTURO_TOKEN",
        "TALKTURO_BASE_URL",
    ] {
        command.env_remove(name);
    }
    command.env("NO_PROXY", "127.0.0.1,localhost");
    command
}

/// Runs `talkover ARGS` against the mock, token and host given by the environment.
fn run(mock: &MockServer, args: &[&str]) -> Output {
    talkover()
        .env("TALKOVER_TOKEN", mock.token())
        .env("TALKOVER_BASE_URL", mock.url())
        .env("TALKTURO_TOKEN", mock.token())
        .env("TALKTURO_BASE_URL", mock.url())
        .args(args)
        .output()
        .expect("talkover runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_status(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Exit 0 with nothing on stderr; stdout.
#[track_caller]
fn ok(output: &Output) -> String {
    assert_status(output, 0);
    assert_eq!(stderr(output), "", "stderr of a success");
    stdout(output)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|i| i["id"].as_str()).collect()
}

#[test]
fn lists_are_json_lines_when_piped_and_with_json() {
    let mock = start();
    for args in [&["calls", "list"][..], &["calls", "list", "--json"]] {
        let items = json_lines(&ok(&run(&mock, args)));
        assert_eq!(ids(&items), ["call-uuid-2", "call-uuid-1"], "{args:?}");
        assert_eq!(items[0]["status"], "answered");
    }
}

#[test]
fn lists_are_tables_with_table() {
    let mock = start();
    let out = ok(&run(&mock, &["calls", "list", "--table"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header[0], "ID", "{out}");
    assert!(header.len() > 2 && header.len() <= 6, "{out}");
    assert!(lines[1].starts_with("call-uuid-2 "), "{out}");
    assert!(lines[2].starts_with("call-uuid-1 "), "{out}");
}

#[test]
fn create_sends_path_flags_json_and_booleans_as_the_client_would() {
    let mock = start();
    let out = ok(&run(
        &mock,
        &[
            "calls",
            "create",
            "agent_123456",
            "--to",
            "+14155550100",
            "--payload",
            r#"{"name": "Ada"}"#,
            "--delay-seconds",
            "5",
            "--is-testing",
        ],
    ));
    let call = json(&out);
    assert_eq!(call["to"], "+14155550100");
    let sent = mock.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, "/api/v1/agents/agent_123456/call");
    assert_eq!(
        sent[0].body,
        json!({"to": "+14155550100", "payload": {"name": "Ada"}, "delay_seconds": 5, "is_testing": true})
    );
    assert_eq!(call["id"], sent[0].response["data"]["id"]);

    // `--flag=false` sends false; a flag left out is not sent at all.
    ok(&run(
        &mock,
        &[
            "calls",
            "create",
            "agent_123456",
            "--to",
            "+14155550100",
            "--is-testing=false",
        ],
    ));
    assert_eq!(
        mock.requests()[1].body,
        json!({"to": "+14155550100", "is_testing": false})
    );
}

#[test]
fn single_objects_are_key_value_lines_with_table() {
    let mock = start();
    let out = ok(&run(
        &mock,
        &["agents", "retrieve", "agent-uuid-1", "--table"],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["id", "agent-uuid-1"]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["name", "Sales", "Agent"]),
        "{out}"
    );
    // Nested objects stay on their line as JSON.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("voice ") && l.contains(r#"{"id":"voice-uuid""#)),
        "{out}"
    );
    // A single object with --json is one JSON document.
    let agent = json(&ok(&run(
        &mock,
        &["agents", "retrieve", "agent-uuid-1", "--json"],
    )));
    assert_eq!(agent["name"], "Sales Agent");
}

#[test]
fn nested_groups_and_snake_case_aliases() {
    let mock = start();
    let out = ok(&run(
        &mock,
        &[
            "agents",
            "actions",
            "upsert",
            "agent_123456",
            "--node-id",
            "n1",
            "--name",
            "Book",
            "--description",
            "Books a slot",
            "--type",
            "webhook",
            "--url",
            "https://api.example.com/schedule",
            "--inputs",
            r#"[{"name": "date", "type": "string", "required": true}]"#,
        ],
    ));
    let action = json(&out);
    assert_eq!(action["name"], "Book");
    let listed = json_lines(&ok(&run(
        &mock,
        &["agents", "actions", "list", "agent_123456", "--json"],
    )));
    assert!(listed.iter().any(|a| a["id"] == action["id"]), "{listed:?}");
    assert_eq!(mock.requests()[0].body["node_id"], "n1");
    assert_eq!(
        mock.requests()[0].body["inputs"],
        json!([{"name": "date", "type": "string", "required": true}])
    );

    // Groups and methods answer to the Python client's snake_case names too.
    let agents = json_lines(&ok(&run(&mock, &["callback_agents", "list"])));
    let kebab = json_lines(&ok(&run(&mock, &["callback-agents", "list"])));
    assert_eq!(agents, kebab);
    ok(&run(&mock, &["health", "check"]));
}

#[test]
fn talkturo_operations_live_under_talkturo() {
    let mock = start();
    let created = json(&ok(&run(
        &mock,
        &[
            "talkturo",
            "assistants",
            "create",
            "--account-slug",
            "my-team",
            "--name",
            "Support",
        ],
    )));
    let id = created["id"].as_str().expect("an assistant id");
    assert_eq!(mock.requests()[0].path, "/api/assistants");
    assert_eq!(mock.requests()[0].body["name"], "Support");
    let out = ok(&run(
        &mock,
        &["talkturo", "assistants", "retrieve", id, "--table"],
    ));
    assert!(out.lines().next().is_some_and(|l| l.ends_with(id)), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("name ") && l.ends_with("Support")),
        "{out}"
    );

    // Token and host from the flags, no environment.
    let output = talkover()
        .args(["talkturo", "api-keys", "test", "--json"])
        .args(["--token", mock.token(), "--base-url", mock.url()])
        .output()
        .expect("runs");
    ok(&output);
    assert_eq!(
        mock.requests().last().map(|r| r.path.as_str()),
        Some("/api/test-api-key")
    );
}

#[test]
fn all_pages_walks_every_page_through_the_client() {
    let mock = start();
    let items = json_lines(&ok(&run(
        &mock,
        &["calls", "list", "--per-page", "1", "--all-pages", "--json"],
    )));
    assert_eq!(ids(&items), ["call-uuid-2", "call-uuid-1"]);
    let pages: Vec<Option<String>> = mock
        .requests()
        .iter()
        .map(|r| r.query.get("page").and_then(|p| p.first().cloned()))
        .collect();
    assert_eq!(pages, [None, Some("2".to_string())]);
    // Without --all-pages, only the first page.
    let first = json_lines(&ok(&run(&mock, &["calls", "list", "--per-page", "1"])));
    assert_eq!(ids(&first), ["call-uuid-2"]);
    // The table form collects every page too.
    let out = ok(&run(
        &mock,
        &["calls", "list", "--per-page", "1", "--all-pages", "--table"],
    ));
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn an_error_answer_exits_1_with_status_code_and_message() {
    let mock = start();
    let output = run(&mock, &["agents", "retrieve", "no-such-agent"]);
    assert_status(&output, 1);
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(err.starts_with("error: HTTP 404"), "{err}");
    assert!(err.to_lowercase().contains("not found"), "{err}");

    mock.fail_next(
        Fault::status(422)
            .on("POST", "/api/v1/agents/agent_123456/call")
            .body(json!({
                "message": "The given data was invalid.",
                "errors": {"to": ["The to number cannot be dialled."]}
            })),
    )
    .expect("a valid fault");
    let output = run(
        &mock,
        &["calls", "create", "agent_123456", "--to", "+14155550100"],
    );
    assert_status(&output, 1);
    let err = stderr(&output);
    assert!(err.starts_with("error: HTTP 422"), "{err}");
    assert!(err.contains("The given data was invalid."), "{err}");
    assert!(
        err.contains("\n  to: The to number cannot be dialled."),
        "{err}"
    );
}

#[test]
fn the_token_never_appears_in_errors() {
    let mock = start();
    let token = "not_a_mock_token_abcdef123";
    let output = talkover()
        .args(["calls", "list", "--token", token, "--base-url", mock.url()])
        .output()
        .expect("runs");
    assert_status(&output, 1);
    assert!(
        stderr(&output).starts_with("error: HTTP 401"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains(token));
    assert!(!stdout(&output).contains(token));
}

#[test]
fn a_refused_connection_exits_1() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let output = talkover()
        .args(["health", "check", "--token", "talq_x123456"])
        .args(["--base-url", &format!("http://127.0.0.1:{port}")])
        .output()
        .expect("runs");
    assert_status(&output, 1);
    assert!(
        stderr(&output).starts_with("error: connection error"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let mock = start();
    let cases: [(&[&str], &str); 7] = [
        (&["calls", "list", "--bogus"], "--bogus"),
        (&["calls", "create", "agent_123456"], "--to"),
        (
            &[
                "calls",
                "create",
                "agent_123456",
                "--to",
                "+14155550100",
                "--payload",
                "{name",
            ],
            "not valid JSON",
        ),
        (&["calls", "list", "--status", "nope"], "possible values"),
        (&["calls", "list", "--per-page", "many"], "--per-page"),
        // JSON of the wrong shape for the field.
        (
            &[
                "agents",
                "actions",
                "upsert",
                "a1",
                "--node-id",
                "n",
                "--name",
                "x",
                "--description",
                "d",
                "--type",
                "hold",
                "--inputs",
                "{}",
            ],
            "invalid value for --inputs",
        ),
        (&["no-such-group"], "no-such-group"),
    ];
    for (args, expected) in cases {
        let output = run(&mock, args);
        assert_status(&output, 2);
        assert_eq!(stdout(&output), "", "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(mock.requests().len(), 0, "{:?}", mock.requests());
}

#[test]
fn client_side_validation_errors_exit_2_and_send_nothing() {
    let mock = start();
    let output = run(&mock, &["calls", "create", "agent_123456", "--to", "1234"]);
    assert_status(&output, 2);
    let err = stderr(&output);
    assert!(err.starts_with("error: invalid value for --to: "), "{err}");
    assert!(err.contains("(nothing was sent)"), "{err}");
    let output = run(
        &mock,
        &[
            "calls",
            "create",
            "agent_123456",
            "--to",
            "+14155550100",
            "--delay-seconds",
            "4000",
        ],
    );
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("--delay-seconds"),
        "{}",
        stderr(&output)
    );
    // Fields inside JSON flags are named from the flag.
    let output = run(
        &mock,
        &[
            "campaigns",
            "create",
            "--name",
            "Spring",
            "--campaign-type",
            "sales",
            "--agent-id",
            "agent_123456",
            "--start-date",
            "2024-01-01",
            "--days-of-week",
            "[1, 9]",
            "--call-time-ranges",
            "[]",
        ],
    );
    assert_status(&output, 2);
    assert!(
        stderr(&output).starts_with("error: invalid value for --days-of-week[1]: "),
        "{}",
        stderr(&output)
    );
    assert_eq!(mock.requests().len(), 0);
}

#[test]
fn a_missing_token_is_a_usage_error() {
    let output = talkover().args(["calls", "list"]).output().expect("runs");
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("TALKOVER_TOKEN"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_and_version() {
    let output = talkover().arg("--help").output().expect("runs");
    let help = ok(&output);
    for expected in [
        "calls",
        "agents",
        "talkturo",
        "mock",
        "TALKOVER_TOKEN",
        "TALKTURO_BASE_URL",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
    let help = ok(&talkover()
        .args(["calls", "create", "--help"])
        .output()
        .expect("runs"));
    assert!(
        help.contains("POST /api/v1/agents/{agent_id}/call (retry: unsafe)"),
        "{help}"
    );
    assert!(help.contains("--is-testing"), "{help}");
    assert!(help.contains("From 0 to 3600."), "{help}");
    let version = ok(&talkover().arg("--version").output().expect("runs"));
    assert_eq!(
        version.trim(),
        format!("talkover {}", env!("CARGO_PKG_VERSION"))
    );
    // No command: the help, as a usage error.
    let output = talkover().output().expect("runs");
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("Usage: talkover"),
        "{}",
        stderr(&output)
    );
}

/// Kills the child on drop, so a failing test leaves no server behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn talkover_mock_serves_until_stopped() {
    let child = talkover()
        .args(["mock", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("talkover mock starts");
    let mut running = Running(child);
    let out = running.0.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(out).lines();
    let mut line = || lines.next().expect("a line").expect("text");
    let url = line()
        .strip_prefix("Mock server listening on ")
        .map(str::to_string)
        .expect("the URL line");
    let token = line()
        .strip_prefix("Token: ")
        .map(str::to_string)
        .expect("the token line");
    let output = talkover()
        .args([
            "calls",
            "list",
            "--json",
            "--token",
            &token,
            "--base-url",
            &url,
        ])
        .output()
        .expect("runs");
    assert_eq!(
        ids(&json_lines(&ok(&output))),
        ["call-uuid-2", "call-uuid-1"]
    );
}
