//! Micro-benchmarks of the work the SDK does around the network (`cargo bench --bench decode`):
//! decoding each pagination shape into the response types, next to only reading the same
//! bytes (`IgnoredAny`) and reading them into `serde_json::Value`; and building a request.
//!
//! The call pages have the shape of the documented example (every field present); the other
//! shapes are items with their required fields and the page fields, which is what tells the
//! shapes apart (page counters under `pagination` or `meta`, offset and count at the top).

use divan::{black_box, Bencher};
use serde::de::IgnoredAny;
use serde_json::{json, Value};

fn main() {
    divan::main();
}

const STATUSES: [&str; 7] = [
    "completed",
    "answered",
    "failed",
    "busy",
    "no-answer",
    "ringing",
    "initiated",
];

/// A call as the API documents it, varied per item so no two are alike.
fn call(i: usize) -> Value {
    let agent = i % 3 + 1;
    json!({
        "id": format!("call-uuid-{i}"),
        "sid": format!("call_sid_{}", 100 + i * 3),
        "to": format!("+1{:09}", 234_567_890 + i * 7_654_321 % 1_000_000_000),
        "to_formatted": "(123) 456-7890",
        "from": format!("+{:010}", 987_654_321 + i * 1_234_567),
        "from_formatted": "(098) 765-4321",
        "is_testing": i % 11 == 0,
        "direction": if i % 2 == 1 { "outbound" } else { "inbound" },
        "status": STATUSES[i % STATUSES.len()],
        "duration": 30 + (i * 37) % 600,
        "agent": {"id": format!("agent-uuid-{agent}"), "name": "Sales Agent", "label": "Sales Agent Label"},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:02:00Z",
    })
}

fn calls_page(n: usize) -> Vec<u8> {
    let page = json!({
        "success": true,
        "data": (1..=n).map(call).collect::<Vec<_>>(),
        "pagination": {"current_page": 1, "last_page": 5, "per_page": n, "total": 5 * n, "from": 1, "to": n},
    });
    serde_json::to_vec(&page).unwrap_or_default()
}

fn agents_page(n: usize) -> Vec<u8> {
    let agents: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "id": format!("agent-uuid-{i}"), "name": format!("Agent {i}"), "label": "Sales",
                "language": "en-US", "current_status": "active", "direction": "outbound",
                "initial_message": "Hello, this is an AI assistant calling.",
                "conversation_speed": 1.0, "initial_message_delay": 0,
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            })
        })
        .collect();
    let page = json!({
        "success": true, "data": agents,
        "meta": {"current_page": 1, "per_page": n, "total": 5 * n, "last_page": 5},
    });
    serde_json::to_vec(&page).unwrap_or_default()
}

fn campaigns_page(n: usize) -> Vec<u8> {
    let campaigns: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "id": format!("campaign-{i}"), "team_id": "team-1", "assistant_id": "assistant-1",
                "name": format!("Campaign {i}"), "description": "Spring outreach",
                "from_number": "+15550001111", "status": "active",
                "call_window_start": "09:00", "call_window_end": "17:00",
            })
        })
        .collect();
    let page =
        json!({"success": true, "campaigns": campaigns, "count": 5 * n, "limit": n, "offset": 0});
    serde_json::to_vec(&page).unwrap_or_default()
}

const SIZES: [usize; 2] = [20, 100];

/// `GET /api/v1/calls`: page counters under `pagination`.
#[divan::bench(args = SIZES)]
fn calls_typed(bencher: Bencher, n: usize) {
    let body = calls_page(n);
    bencher.bench(|| serde_json::from_slice::<talkover::ListCallsResponse>(black_box(&body)));
}

/// As the SDK reads a body: one UTF-8 check of the whole body, then the parse as text
/// (`from_slice` above checks each string on its own).
#[divan::bench(args = SIZES)]
fn calls_typed_as_text(bencher: Bencher, n: usize) {
    let body = calls_page(n);
    bencher.bench(|| {
        std::str::from_utf8(black_box(&body))
            .map(serde_json::from_str::<talkover::ListCallsResponse>)
    });
}

/// The same bytes only read: the floor of any decoding.
#[divan::bench(args = SIZES)]
fn calls_skim(bencher: Bencher, n: usize) {
    let body = calls_page(n);
    bencher.bench(|| serde_json::from_slice::<IgnoredAny>(black_box(&body)));
}

/// The same bytes into `serde_json::Value` (what an untyped client does).
#[divan::bench(args = SIZES)]
fn calls_value(bencher: Bencher, n: usize) {
    let body = calls_page(n);
    bencher.bench(|| serde_json::from_slice::<Value>(black_box(&body)));
}

/// `GET /api/v1/agents`: page counters under `meta`.
#[divan::bench(args = SIZES)]
fn agents_typed(bencher: Bencher, n: usize) {
    let body = agents_page(n);
    bencher.bench(|| serde_json::from_slice::<talkover::ListAgentsResponse>(black_box(&body)));
}

/// Talkturo's `GET /api/campaigns`: offset, limit and count next to the items.
#[divan::bench(args = SIZES)]
fn campaigns_typed(bencher: Bencher, n: usize) {
    let body = campaigns_page(n);
    bencher.bench(|| {
        serde_json::from_slice::<talkover::talkturo::CampaignListResponse>(black_box(&body))
    });
}

/// A list request as an operation builds it: method, path, three query parameters.
#[divan::bench]
fn build_request() -> talkover::rt::Request {
    let mut request = talkover::rt::Request::new(
        talkover::rt::Method::Get,
        black_box("/api/v1/calls").to_string(),
    );
    request.query("status", black_box("completed"));
    request.query("per_page", &black_box(100i64));
    request.query("page", &black_box(2i64));
    request
}
