//! The HTTP layer's own tests: raw bytes over real loopback connections.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::escapes::decode_query_component;
use super::request::header_value;
use super::server::{Handler, POLL};
use super::*;

fn server(handler: impl Fn(HttpRequest) -> Reply + Send + Sync + 'static) -> HttpServer {
    limited(Limits::default(), handler)
}

fn limited(
    limits: Limits,
    handler: impl Fn(HttpRequest) -> Reply + Send + Sync + 'static,
) -> HttpServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    match HttpServer::serve(listener, Arc::new(handler), limits) {
        Ok(server) => server,
        Err(e) => panic!("cannot start test server: {e}"),
    }
}

/// Echoes `METHOD target` and the body back.
fn echo_server() -> HttpServer {
    server(|req| Reply::Respond {
        status: 200,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: [
            format!("{} {}\n", req.method, req.target).into_bytes(),
            req.body,
        ]
        .concat(),
    })
}

fn connect(server: &HttpServer) -> TcpStream {
    let stream = TcpStream::connect(server.local_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
}

/// Sends `raw` on a fresh connection and reads until the server closes it.
fn exchange(server: &HttpServer, raw: &[u8]) -> Vec<u8> {
    let mut stream = connect(server);
    stream.write_all(raw).expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).expect("read");
    out
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

/// Reads exactly one response framed by Content-Length.
fn read_response(reader: &mut impl BufRead) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .expect("status")
        .parse()
        .expect("code");
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("colon");
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let len: usize =
        header_value(&headers, "content-length").map_or(0, |v| v.parse().expect("length"));
    let mut body = vec![0; len];
    reader.read_exact(&mut body).expect("body");
    Response {
        status,
        headers,
        body,
    }
}

fn parse(raw: &[u8]) -> Response {
    read_response(&mut &raw[..])
}

#[test]
fn get_and_post_round_trip() {
    let server = echo_server();
    let get = parse(&exchange(
        &server,
        b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(get.status, 200);
    assert_eq!(get.body, b"GET /a?b=c\n");
    assert_eq!(get.header("connection"), Some("close"));
    assert_eq!(get.header("content-type"), Some("text/plain"));

    let post = parse(&exchange(
        &server,
        b"POST /p HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    ));
    assert_eq!(post.body, b"POST /p\nhello");
    assert_eq!(post.header("content-length"), Some("13"));
}

#[test]
fn keep_alive_serves_several_requests() {
    let server = echo_server();
    let stream = connect(&server);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    writer
        .write_all(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let first = read_response(&mut reader);
    assert_eq!(first.body, b"GET /one\n");
    assert_eq!(first.header("connection"), None);
    writer
        .write_all(b"POST /two HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
        .expect("write");
    assert_eq!(read_response(&mut reader).body, b"POST /two\nhi");
}

#[test]
fn http10_closes_unless_asked_to_keep_alive() {
    let server = echo_server();
    let raw = exchange(&server, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(parse(&raw).header("connection"), Some("close"));

    let stream = connect(&server);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    for _ in 0..2 {
        writer
            .write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .expect("write");
        assert_eq!(
            read_response(&mut reader).header("connection"),
            Some("keep-alive")
        );
    }
}

#[test]
fn chunked_body_is_decoded() {
    let server = echo_server();
    let raw = exchange(
        &server,
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n",
    );
    assert_eq!(parse(&raw).body, b"POST /c\nhello world");
}

#[test]
fn expect_continue_gets_an_interim_response() {
    let server = echo_server();
    let stream = connect(&server);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    writer
        .write_all(b"PUT /e HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        .expect("write");
    let mut interim = [0u8; 25];
    reader.read_exact(&mut interim).expect("100");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    writer.write_all(b"abc").expect("body");
    assert_eq!(read_response(&mut reader).body, b"PUT /e\nabc");
}

#[test]
fn head_sends_length_without_body() {
    let server = echo_server();
    let raw = exchange(&server, b"HEAD /h HTTP/1.1\r\nConnection: close\r\n\r\n");
    let text = String::from_utf8(raw).expect("utf8");
    assert!(text.contains("Content-Length: 8\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "{text}");
}

#[test]
fn no_content_has_no_length() {
    let server = server(|_| Reply::Respond {
        status: 204,
        headers: vec![],
        body: b"ignored".to_vec(),
    });
    let raw = exchange(&server, b"DELETE /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(raw, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

#[test]
fn handler_content_length_is_not_duplicated() {
    let server = server(|_| Reply::Respond {
        status: 200,
        headers: vec![("content-length".into(), "2".into())],
        body: b"ok".to_vec(),
    });
    let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    let text = String::from_utf8(raw).expect("utf8");
    assert_eq!(
        text.to_ascii_lowercase().matches("content-length").count(),
        1
    );
    assert!(text.ends_with("\r\n\r\nok"));
}

#[test]
fn drop_closes_without_a_response() {
    let server = server(|_| Reply::Drop);
    let mut stream = connect(&server);
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(n) => assert_eq!(n, 0),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
    }
}

#[test]
fn truncate_sends_part_of_the_body() {
    let server = server(|_| Reply::Truncate {
        status: 200,
        headers: vec![],
        body: b"0123456789".to_vec(),
        sent: 3,
    });
    let raw = exchange(&server, b"GET / HTTP/1.1\r\n\r\n");
    let text = String::from_utf8(raw).expect("utf8");
    let (head, body) = text.split_once("\r\n\r\n").expect("head");
    assert!(head.contains("Content-Length: 10"), "{head}");
    assert_eq!(body, "012");
}

#[test]
fn delay_postpones_the_response() {
    let server = server(|_| {
        let reply = Reply::Respond {
            status: 200,
            headers: vec![],
            body: vec![],
        };
        Reply::After(Duration::from_millis(200), Box::new(reply))
    });
    let started = Instant::now();
    let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(parse(&raw).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn oversize_head_gets_431() {
    let server = echo_server();
    let mut raw = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 70 * 1024));
    raw.extend_from_slice(b"\r\n\r\n");
    let response = parse(&exchange(&server, &raw));
    assert_eq!(response.status, 431);
    assert_eq!(response.header("connection"), Some("close"));
}

#[test]
fn an_endless_header_line_gets_431_before_it_ends() {
    let server = echo_server();
    let mut stream = connect(&server);
    let mut raw = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 70 * 1024));
    stream.write_all(&raw).expect("write");
    // No line end and no close: only the size limit can end this request.
    let response = read_response(&mut BufReader::new(stream));
    assert_eq!(response.status, 431);
}

#[test]
fn a_request_sent_byte_by_byte_is_read() {
    let server = echo_server();
    let mut stream = connect(&server);
    let raw = b"\r\nPOST /slow HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                3\r\nabc\r\n0\r\n\r\n";
    for byte in raw {
        stream.write_all(&[*byte]).expect("write");
        stream.flush().expect("flush");
    }
    let mut out = Vec::new();
    stream.read_to_end(&mut out).expect("read");
    assert_eq!(parse(&out).body, b"POST /slow\nabc");
}

#[test]
fn other_http_versions_get_505() {
    let server = echo_server();
    for raw in [&b"GET / HTTP/2.0\r\n\r\n"[..], b"GET / HTTP/1.2\r\n\r\n"] {
        let response = parse(&exchange(&server, raw));
        assert_eq!(response.status, 505, "{}", String::from_utf8_lossy(raw));
        assert_eq!(response.header("connection"), Some("close"));
    }
}

#[test]
fn oversize_body_gets_413() {
    let server = echo_server();
    let raw = exchange(
        &server,
        b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
    );
    assert_eq!(parse(&raw).status, 413);
}

#[test]
fn malformed_requests_get_400() {
    let server = echo_server();
    for raw in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let response = parse(&exchange(&server, raw));
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(raw));
    }
}

#[test]
fn handler_panic_gives_500_and_server_survives() {
    let server = server(|req| {
        if req.path() == "/boom" {
            panic!("deliberate test panic");
        }
        Reply::Respond {
            status: 200,
            headers: vec![],
            body: b"fine".to_vec(),
        }
    });
    let raw = exchange(&server, b"GET /boom HTTP/1.1\r\nConnection: close\r\n\r\n");
    let response = parse(&raw);
    assert_eq!(response.status, 500);
    assert!(!response.body.is_empty());
    let raw = exchange(&server, b"GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(parse(&raw).body, b"fine");
}

#[test]
fn stop_is_prompt_with_idle_keep_alive_clients() {
    let mut server = echo_server();
    let addr = server.local_addr();
    let stream = connect(&server);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    writer.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    assert_eq!(read_response(&mut reader).status, 200);

    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    server.stop();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    assert!(rest.is_empty());
    assert!(TcpStream::connect(addr).is_err());
    assert!(TcpListener::bind(addr).is_ok(), "port still taken");
}

#[test]
fn stop_aborts_a_delayed_response() {
    let mut server = server(|_| {
        let reply = Reply::Respond {
            status: 200,
            headers: vec![],
            body: vec![],
        };
        Reply::After(Duration::from_secs(30), Box::new(reply))
    });
    let mut stream = connect(&server);
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    server.stop();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(rest.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn stopper_releases_wait() {
    let mut server = echo_server();
    let stopper = server.stopper();
    let waker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        stopper.stop();
    });
    let started = Instant::now();
    server.wait();
    assert!(started.elapsed() >= Duration::from_millis(100));
    waker.join().expect("stopper thread");
}

#[test]
fn request_accessors() {
    let req = HttpRequest {
        method: "GET".into(),
        target: "/api/v1/calls?status=completed&search=%2B1&q=a+b&flag&&e=".into(),
        headers: vec![
            ("X-Thing".into(), "1".into()),
            ("x-thing".into(), "2".into()),
        ],
        body: vec![],
    };
    assert_eq!(req.path(), "/api/v1/calls");
    assert_eq!(req.header("x-THING"), Some("1"));
    let pairs = req.query_pairs();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("status", "completed"),
            ("search", "+1"),
            ("q", "a b"),
            ("flag", ""),
            ("e", "")
        ]
    );
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
    assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
    assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    assert_eq!(percent_decode("%ZZ"), None);
    assert_eq!(percent_decode("%4"), None);
    assert_eq!(percent_decode("%FF"), None);
    assert_eq!(decode_query_component("100%+sure"), "100% sure");
}

fn short(max_connections: usize, timeout: Duration) -> Limits {
    Limits {
        max_connections,
        idle_timeout: timeout,
        read_timeout: timeout,
    }
}

fn ok_server(limits: Limits) -> HttpServer {
    limited(limits, |_| Reply::Respond {
        status: 200,
        headers: vec![],
        body: b"ok".to_vec(),
    })
}

#[test]
fn a_connection_over_the_cap_gets_503_and_is_closed() {
    let server = ok_server(short(2, Duration::from_secs(60)));
    let held = [connect(&server), connect(&server)];
    // Sent before the answer arrives: the refusal must survive the unread request.
    let raw = exchange(&server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let refused = parse(&raw);
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("connection"), Some("close"));
    let body: serde_json::Value = serde_json::from_slice(&refused.body).expect("JSON");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("2 open connections")));

    drop(held);
    // The held connections' threads notice the close on their next read.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        match parse(&raw).status {
            200 => break,
            _ if Instant::now() < deadline => thread::sleep(POLL),
            status => panic!("still refused after the held connections closed: {status}"),
        }
    }
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let server = ok_server(short(8, Duration::from_millis(300)));
    let stream = connect(&server);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    writer.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    assert_eq!(read_response(&mut reader).status, 200);
    let idle = Instant::now();
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .expect("a clean close, not the client's timeout");
    assert!(rest.is_empty());
    assert!(idle.elapsed() >= Duration::from_millis(300));
}

#[test]
fn a_stalled_request_gets_408_after_the_read_timeout() {
    let server = ok_server(short(8, Duration::from_millis(300)));
    let started = Instant::now();
    let raw = exchange(
        &server,
        b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhalf",
    );
    let response = parse(&raw);
    assert_eq!(response.status, 408);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn a_delay_outlasts_the_timeouts() {
    let server = limited(short(8, Duration::from_millis(100)), |_| {
        let reply = Reply::Respond {
            status: 200,
            headers: vec![],
            body: b"late".to_vec(),
        };
        Reply::After(Duration::from_millis(400), Box::new(reply))
    });
    let raw = exchange(&server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(parse(&raw).body, b"late");
}

#[test]
fn limits_that_cannot_work_are_refused() {
    for limits in [short(0, Duration::from_secs(1)), short(1, Duration::ZERO)] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let handler: Handler = Arc::new(|_| Reply::Drop);
        let result = HttpServer::serve(listener, handler, limits);
        assert!(result.is_err_and(|e| e.kind() == ErrorKind::InvalidInput));
    }
}
