//! The Rust peers of `make bench` (started by `benchmarks/bench.py`): each times N calls of
//! one route against the bench server on 127.0.0.1 and prints one line of JSON.
//!
//! - `raw`: the floor. std `TcpStream`, a request prepared once, the body read by its
//!   Content-Length, nothing parsed.
//! - `ureq`: a plain ureq agent and serde_json into the SDK's own types, no SDK code on the
//!   request path: what the SDK's Rust API is measured against.
//! - `sdk`: the talkover Rust client.
//!
//! Usage: `rust_peers PEER ROUTE PORT N` with ROUTE one of list20, list100, create.

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use talkover::{Call, Client, ListCallsParams, ListCallsResponse, MakeCallParams};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const TOKEN: &str = "talq_bench";
const AGENT: &str = "agent_123456";
const CREATE_BODY: &str = r#"{"to":"+1234567890"}"#;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [peer, route, port, n] = args.as_slice() else {
        return Err("usage: rust_peers PEER ROUTE PORT N".into());
    };
    let port: u16 = port.parse()?;
    let n: usize = n.parse()?;
    let mut call: Box<dyn FnMut() -> Result<()>> = match peer.as_str() {
        "raw" => raw(route, port)?,
        "ureq" => plain_ureq(route, port)?,
        "sdk" => sdk(route, port)?,
        other => return Err(format!("unknown peer {other}").into()),
    };
    // As the Python peers: a few untimed calls first (connection set up, caches warm).
    for _ in 0..3 {
        call()?;
    }
    let mut times = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        call()?;
        times.push(t.elapsed().as_nanos());
    }
    let wall = started.elapsed().as_nanos();
    times.sort_unstable();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    println!(
        "{{\"n\":{n},\"median_ns\":{},\"p90_ns\":{},\"wall_ns\":{wall}}}",
        at(0.5).unwrap_or(0),
        at(0.9).unwrap_or(0)
    );
    Ok(())
}

fn per_page(route: &str) -> Result<i64> {
    match route {
        "list20" => Ok(20),
        "list100" => Ok(100),
        other => Err(format!("unknown route {other}").into()),
    }
}

fn raw(route: &str, port: u16) -> Result<Box<dyn FnMut() -> Result<()>>> {
    let head = format!(
        "Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/json\r\n"
    );
    let request = if route == "create" {
        format!(
            "POST /api/v1/agents/{AGENT}/call HTTP/1.1\r\n{head}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{CREATE_BODY}",
            CREATE_BODY.len()
        )
    } else {
        format!(
            "GET /api/v1/calls?per_page={} HTTP/1.1\r\n{head}\r\n",
            per_page(route)?
        )
    };
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    Ok(Box::new(move || {
        writer.write_all(request.as_bytes())?;
        let mut length = 0usize;
        line.clear();
        reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200 ") {
            return Err(format!("unexpected answer: {}", line.trim_end()).into());
        }
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err("connection closed".into());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse()?;
                }
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        Ok(())
    }))
}

fn plain_ureq(route: &str, port: u16) -> Result<Box<dyn FnMut() -> Result<()>>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .build()
        .into();
    let base = format!("http://127.0.0.1:{port}");
    let auth = format!("Bearer {TOKEN}");
    if route == "create" {
        let url = format!("{base}/api/v1/agents/{AGENT}/call");
        return Ok(Box::new(move || {
            let body = agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .content_type("application/json")
                .send(CREATE_BODY)?
                .body_mut()
                .read_to_vec()?;
            let envelope: Envelope = serde_json::from_slice(&body)?;
            std::hint::black_box(envelope.data);
            Ok(())
        }));
    }
    let url = format!("{base}/api/v1/calls?per_page={}", per_page(route)?);
    Ok(Box::new(move || {
        let body = agent
            .get(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/json")
            .call()?
            .body_mut()
            .read_to_vec()?;
        let page: ListCallsResponse = serde_json::from_slice(&body)?;
        std::hint::black_box(page);
        Ok(())
    }))
}

/// The make-call answer's envelope, `{"success": true, "data": {...}}`.
#[derive(serde::Deserialize)]
struct Envelope {
    data: Call,
}

fn sdk(route: &str, port: u16) -> Result<Box<dyn FnMut() -> Result<()>>> {
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()?;
    if route == "create" {
        let params = MakeCallParams {
            to: "+1234567890".into(),
            ..Default::default()
        };
        return Ok(Box::new(move || {
            std::hint::black_box(client.calls().create(AGENT, &params)?);
            Ok(())
        }));
    }
    let params = ListCallsParams {
        per_page: Some(per_page(route)?),
        ..Default::default()
    };
    Ok(Box::new(move || {
        std::hint::black_box(client.calls().list(&params)?);
        Ok(())
    }))
}
