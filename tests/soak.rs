//! Soak: 100,000 calls over 8 threads through ONE client against the in-process mock, mixed
//! (make call, create and delete an agent, upsert an action, lists, full page walks,
//! retrieves of missing agents) with faults injected at a known rate (503 and 500 answers,
//! dropped connections, truncated bodies, delays). Every error must be explained by a fault
//! injected for that very call; resident memory and open descriptors, measured after a
//! warm-up round and at the end, must stay flat. Run by `make soak` (release mode);
//! `SOAK_CALLS` changes the number of calls.
//!
//! Faults are attributed exactly: each thread has its own agent, and a fault is queued only
//! for a path that no other thread uses (`/api/v1/agents/{own agent}/call`, a missing agent
//! id of its own), just before the call that takes it. Retries may absorb a fault (the call
//! then succeeds): that counts as expected too.

#![cfg(feature = "mock")]

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use talkover::mock::{Fault, MockServer};
use talkover::{
    ActionType, AgentInterruptSensitivity, AgentLanguage, Client, CreateAgentParams, Error,
    ListAgentCallsParams, ListCallsParams, MakeCallParams, UpsertAgentActionParams,
};

const THREADS: usize = 8;
/// The first rounds warm up (pool, allocator arenas, mock tables); growth is measured after.
const ROUNDS: usize = 20;
const WARM_UP_ROUNDS: usize = 2;
/// The mock logs every request it answers; each thread clears the log this often, so the
/// mock's own memory stays small next to the client's.
const CLEAR_LOG_EVERY: u64 = 256;
/// One call in this many gets an injected fault.
const FAULT_EVERY: u64 = 20;
/// Allowed growth of resident memory between the warm-up and the end.
const MAX_RSS_GROWTH_KB: i64 = 10 * 1024;
/// Allowed change in open descriptors: pooled keep-alive connections come and go.
const FD_SLACK: i64 = 2 * THREADS as i64 + 4;

/// A fault injected for one call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Injected {
    Status(u16),
    Drop,
    Truncate,
    Delay,
}

impl Injected {
    fn fault(self) -> Fault {
        match self {
            // Retry-After 0: a retry (where the call is safe to retry) does not wait.
            Injected::Status(status) => Fault::status(status).header("Retry-After", "0"),
            Injected::Drop => Fault::drop_connection(),
            Injected::Truncate => Fault::truncate(),
            Injected::Delay => Fault::delay(Duration::from_millis(5)),
        }
    }

    fn name(self) -> String {
        match self {
            Injected::Status(status) => format!("status {status}"),
            Injected::Drop => "dropped connection".into(),
            Injected::Truncate => "truncated body".into(),
            Injected::Delay => "delay".into(),
        }
    }

    /// Whether `error` is what this fault causes when no retry absorbs it.
    fn explains(self, error: &Error) -> bool {
        match (self, error) {
            (Injected::Status(status), Error::Api(api)) => api.status == status,
            (Injected::Drop, Error::Connection(_) | Error::Timeout(_)) => true,
            (
                Injected::Truncate,
                Error::Connection(_) | Error::Timeout(_) | Error::ResponseValidation { .. },
            ) => true,
            _ => false,
        }
    }
}

/// What the soak saw, by kind.
#[derive(Default)]
struct Tally {
    calls: u64,
    ok: u64,
    not_found_as_expected: u64,
    faults_injected: u64,
    faults_absorbed: u64,
    errors_by_fault: BTreeMap<String, u64>,
    unexpected: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.calls += other.calls;
        self.ok += other.ok;
        self.not_found_as_expected += other.not_found_as_expected;
        self.faults_injected += other.faults_injected;
        self.faults_absorbed += other.faults_absorbed;
        for (kind, n) in other.errors_by_fault {
            *self.errors_by_fault.entry(kind).or_default() += n;
        }
        self.unexpected.extend(other.unexpected);
    }

    /// Books the outcome of one call: `missing` when the call asks for something absent
    /// (a 404 is then its normal answer).
    fn book<T>(
        &mut self,
        what: &str,
        result: Result<T, Error>,
        fault: Option<Injected>,
        missing: bool,
    ) {
        let is_404 = |e: &Error| matches!(e, Error::Api(api) if api.status == 404);
        match (result, fault) {
            (Ok(_), None) if !missing => self.ok += 1,
            (Ok(_), Some(_)) if !missing => self.faults_absorbed += 1,
            (Err(e), None) if missing && is_404(&e) => self.not_found_as_expected += 1,
            // The call had its normal answer despite the fault (a delay, or a retry).
            (Err(e), Some(_)) if missing && is_404(&e) => self.faults_absorbed += 1,
            (Err(e), Some(fault)) if fault.explains(&e) => {
                *self.errors_by_fault.entry(fault.name()).or_default() += 1;
            }
            (Ok(_), _) => self.unexpected.push(format!(
                "{what}: succeeded, but the thing asked for is missing"
            )),
            (Err(e), fault) => self
                .unexpected
                .push(format!("{what} (fault injected: {fault:?}): {e}")),
        }
    }
}

/// A small deterministic generator, so a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One soak thread: its own agent, its own fault paths, its share of the calls.
struct Worker<'a> {
    client: &'a Client,
    mock: &'a MockServer,
    rng: Rng,
    thread: usize,
    agent: String,
    tally: Tally,
    serial: u64,
}

impl Worker<'_> {
    /// A fault for the next call to `path`, one time in `FAULT_EVERY`.
    fn maybe_fault(&mut self, method: &str, path: &str) -> Option<Injected> {
        if self.rng.below(FAULT_EVERY) != 0 {
            return None;
        }
        let injected = match self.rng.below(6) {
            0 => Injected::Status(503),
            1 => Injected::Status(500),
            2 => Injected::Status(502),
            3 => Injected::Drop,
            4 => Injected::Truncate,
            _ => Injected::Delay,
        };
        self.mock
            .fail_next(injected.fault().on(method, path))
            .expect("a valid fault");
        self.tally.faults_injected += 1;
        Some(injected)
    }

    /// Its own published agent, for calls and actions (after each reset of the mock).
    fn set_up(&mut self) {
        let agent = self
            .client
            .agents()
            .create(&agent_params(&format!("soak-{}", self.thread)))
            .expect("create the thread's agent");
        self.client
            .agents()
            .publish(&agent.id)
            .expect("publish the thread's agent");
        self.agent = agent.id;
    }

    /// Makes `quota` calls (a page walk counts one per page).
    fn run(&mut self, quota: u64) {
        let start = self.tally.calls;
        while self.tally.calls - start < quota {
            self.serial += 1;
            if self.serial % CLEAR_LOG_EVERY == 0 {
                self.mock.clear_requests();
            }
            match self.rng.below(100) {
                0..=19 => self.make_call(),
                20..=29 => self.create_and_delete_agent(),
                30..=49 => self.upsert_action(),
                50..=64 => self.list_calls(),
                65..=74 => self.walk_agent_calls(),
                75..=89 => self.retrieve_missing(),
                _ => self.retrieve_own_agent(),
            }
        }
    }

    fn make_call(&mut self) {
        let path = format!("/api/v1/agents/{}/call", self.agent);
        let fault = self.maybe_fault("POST", &path);
        let params = MakeCallParams {
            to: format!("+1555{:07}", self.serial % 10_000_000),
            is_testing: Some(true),
            ..Default::default()
        };
        let result = self.client.calls().create(&self.agent, &params);
        self.tally.calls += 1;
        self.tally.book("make call", result, fault, false);
    }

    /// A create (on a path every thread shares, so never faulted) and a delete of that
    /// agent (on a path of its own), keeping the number of agents flat.
    fn create_and_delete_agent(&mut self) {
        let name = format!("soak-{}-{}", self.thread, self.serial);
        let created = self.client.agents().create(&agent_params(&name));
        self.tally.calls += 1;
        let id = created.as_ref().map(|a| a.id.clone()).ok();
        self.tally.book("create agent", created, None, false);
        let Some(id) = id else { return };
        let fault = self.maybe_fault("DELETE", &format!("/api/v1/agents/{id}"));
        let deleted = self.client.agents().delete(&id);
        self.tally.calls += 1;
        self.tally.book("delete agent", deleted, fault, false);
    }

    fn upsert_action(&mut self) {
        let path = format!("/api/v1/agents/{}/actions", self.agent);
        let fault = self.maybe_fault("POST", &path);
        let params = UpsertAgentActionParams {
            // A few node ids, so upserts replace rather than pile up.
            node_id: format!("n{}", self.serial % 4),
            name: "Book".into(),
            description: "Books a slot".into(),
            r#type: ActionType::Webhook,
            url: Some("https://example.com/book".into()),
            ..Default::default()
        };
        let result = self.client.agents().actions().upsert(&self.agent, &params);
        self.tally.calls += 1;
        self.tally.book("upsert action", result, fault, false);
    }

    /// The first page of every call (a path all threads share: never faulted).
    fn list_calls(&mut self) {
        let params = ListCallsParams {
            per_page: Some(20),
            ..Default::default()
        };
        let result = self.client.calls().list(&params);
        self.tally.calls += 1;
        self.tally.book("list calls", result, None, false);
    }

    /// Every page of this thread's agent's calls, five per page.
    fn walk_agent_calls(&mut self) {
        let path = format!("/api/v1/agents/{}/calls", self.agent);
        let fault = self.maybe_fault("GET", &path);
        let params = ListAgentCallsParams {
            per_page: Some(5),
            ..Default::default()
        };
        let first = self.client.agents().calls().list(&self.agent, &params);
        self.tally.calls += 1;
        let page = match first {
            Ok(page) => page,
            Err(e) => {
                return self
                    .tally
                    .book("walk agent calls", Err::<(), _>(e), fault, false)
            }
        };
        if fault.is_some() {
            self.tally.faults_absorbed += 1;
        } else {
            self.tally.ok += 1;
        }
        let mut current = page;
        loop {
            match current.next_page() {
                Ok(Some(next)) => {
                    self.tally.calls += 1;
                    self.tally.ok += 1;
                    current = next;
                }
                Ok(None) => break,
                Err(e) => {
                    self.tally.calls += 1;
                    self.tally.book("next page", Err::<(), _>(e), None, false);
                    break;
                }
            }
        }
    }

    fn retrieve_missing(&mut self) {
        let id = format!("missing-{}-{}", self.thread, self.serial);
        let fault = self.maybe_fault("GET", &format!("/api/v1/agents/{id}"));
        let result = self.client.agents().retrieve(&id);
        self.tally.calls += 1;
        self.tally
            .book("retrieve missing agent", result, fault, true);
    }

    fn retrieve_own_agent(&mut self) {
        let path = format!("/api/v1/agents/{}", self.agent);
        let fault = self.maybe_fault("GET", &path);
        let result = self.client.agents().retrieve(&self.agent);
        self.tally.calls += 1;
        self.tally.book("retrieve agent", result, fault, false);
    }
}

fn agent_params(name: &str) -> CreateAgentParams {
    CreateAgentParams {
        label: name.into(),
        name: name.into(),
        language: AgentLanguage::EnUs,
        interrupt_sensitivity: AgentInterruptSensitivity::Medium,
        endpointing_sensitivity: "medium".into(),
        ivr_navigation_mode: "off".into(),
        ..Default::default()
    }
}

/// Resident memory in KiB, from `/proc/self/status`.
fn rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn open_fds() -> i64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count() as i64
}

#[test]
#[ignore = "long: run by `make soak`"]
fn soak() {
    let total: u64 = std::env::var("SOAK_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let mock = MockServer::start().expect("mock server");
    let client = Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .timeout(Duration::from_secs(30))
        .max_retries(2)
        .build()
        .expect("client");
    let per_round = total / (ROUNDS as u64 * THREADS as u64);
    let barrier = Barrier::new(THREADS + 1);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut before = (0, 0);
    let mut rss_by_round = Vec::with_capacity(ROUNDS);
    let started = Instant::now();
    let mut measured_from = started;
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (client, mock, barrier, tally) = (&client, &mock, &barrier, &tally);
            scope.spawn(move || {
                let mut worker = Worker {
                    client,
                    mock,
                    rng: Rng(0x9e37_79b9_7f4a_7c15 ^ (thread as u64 + 1)),
                    thread,
                    agent: String::new(),
                    tally: Tally::default(),
                    serial: 0,
                };
                for _ in 0..ROUNDS {
                    barrier.wait(); // the mock was reset
                    worker.set_up();
                    worker.run(per_round);
                    barrier.wait(); // round done
                }
                tally
                    .lock()
                    .expect("tally")
                    .merge(std::mem::take(&mut worker.tally));
            });
        }
        for round in 0..ROUNDS {
            // Every round starts from the seed data: what a round creates is forgotten, so
            // the mock's own memory stays flat and only the client's growth shows.
            mock.reset();
            barrier.wait();
            barrier.wait();
            rss_by_round.push(rss_kb() / 1024);
            if round + 1 == WARM_UP_ROUNDS {
                before = (rss_kb(), open_fds());
                measured_from = Instant::now();
            }
        }
    });
    let elapsed = started.elapsed();
    let after = (rss_kb(), open_fds());
    let tally = Arc::try_unwrap(tally)
        .ok()
        .expect("threads are done")
        .into_inner()
        .expect("tally");

    let errors: u64 = tally.errors_by_fault.values().sum();
    println!(
        "\nsoak: one client, {THREADS} threads, {ROUNDS} rounds ({WARM_UP_ROUNDS} to warm up), against the in-process mock"
    );
    println!("| measure | value |\n| --- | --- |");
    println!("| calls | {} |", tally.calls);
    println!("| duration | {:.1} s |", elapsed.as_secs_f64());
    println!(
        "| calls/s | {:.0} |",
        tally.calls as f64 / elapsed.as_secs_f64()
    );
    println!("| succeeded | {} |", tally.ok);
    println!(
        "| 404 for missing agents (expected) | {} |",
        tally.not_found_as_expected
    );
    println!("| faults injected | {} |", tally.faults_injected);
    println!(
        "| faulted calls with their normal answer anyway (delay, retry) | {} |",
        tally.faults_absorbed
    );
    for (kind, n) in &tally.errors_by_fault {
        println!("| errors from {kind} | {n} |");
    }
    println!("| errors, all explained by a fault | {errors} |");
    println!("| unexpected errors | {} |", tally.unexpected.len());
    let outcomes = tally.ok
        + tally.not_found_as_expected
        + tally.faults_absorbed
        + errors
        + tally.unexpected.len() as u64;
    println!(
        "| RSS after warm-up / at end | {} KiB / {} KiB ({:+} KiB) |",
        before.0,
        after.0,
        after.0 - before.0
    );
    println!(
        "| open fds after warm-up / at end | {} / {} ({:+}) |",
        before.1,
        after.1,
        after.1 - before.1
    );
    println!("| RSS after each round | {rss_by_round:?} MiB |");
    println!(
        "| measured over | {:.1} s after the warm-up rounds |",
        measured_from.elapsed().as_secs_f64()
    );

    for line in tally.unexpected.iter().take(20) {
        eprintln!("unexpected: {line}");
    }
    assert!(
        tally.unexpected.is_empty(),
        "{} unexpected errors",
        tally.unexpected.len()
    );
    assert!(tally.calls >= per_round * (ROUNDS * THREADS) as u64);
    assert!(tally.faults_injected > 0);
    assert_eq!(outcomes, tally.calls, "every call has one outcome");
    assert!(
        after.0 - before.0 < MAX_RSS_GROWTH_KB,
        "resident memory grew by {} KiB",
        after.0 - before.0
    );
    assert!(
        (after.1 - before.1).abs() <= FD_SLACK,
        "open descriptors went from {} to {}",
        before.1,
        after.1
    );
}
