//! The Rust quickstart:
//!
//! - `cargo run --features mock --example quickstart -- --local` runs it against the bundled
//!   mock server, started in-process;
//! - `TALKOVER_TOKEN=... cargo run --example quickstart` runs it against the API (set
//!   TALKOVER_BASE_URL to point it elsewhere, such as a `talkover-mock` you started).

use talkover::{
    ActionInput, Client, Error, ListCallsParams, MakeCallParams, UpsertAgentActionParams,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    #[cfg(feature = "mock")]
    if std::env::args().any(|arg| arg == "--local") {
        let mock = talkover::mock::MockServer::start()?;
        let client = Client::builder()
            .token(mock.token())
            .base_url(mock.url())
            .build()?;
        return Ok(tour(&client)?);
    }
    Ok(tour(&Client::from_env()?)?)
}

fn tour(client: &Client) -> Result<(), Error> {
    println!("health: {:?}", client.health().check()?);

    let action = client.agents().actions().upsert(
        "agent_123456",
        &UpsertAgentActionParams {
            node_id: "action-node-456".into(),
            name: "Schedule Meeting".into(),
            description: "Schedule a meeting with the customer".into(),
            r#type: "webhook".into(),
            inputs: Some(vec![ActionInput {
                name: Some("date".into()),
                r#type: Some("string".into()),
                required: Some(true),
                ..Default::default()
            }]),
            url: Some("https://api.example.com/schedule".into()),
            ..Default::default()
        },
    )?;
    println!("action {} ({:?})", action.id, action.r#type);

    let call = client.calls().create(
        "agent_123456",
        &MakeCallParams {
            to: "+1234567890".into(),
            is_testing: Some(true),
            ..Default::default()
        },
    )?;
    println!("call {} to {} is {}", call.id, call.to, call.status);

    let page = client.calls().list(&ListCallsParams {
        direction: Some("outbound".into()),
        per_page: Some(2),
        ..Default::default()
    })?;
    println!(
        "page {} of {}",
        page.pagination.current_page, page.pagination.last_page
    );
    for call in page {
        let call = call?;
        println!(
            "  {} {} -> {}",
            call.id,
            call.from.as_deref().unwrap_or("?"),
            call.to
        );
    }

    match client.calls().create(
        "agent_123456",
        &MakeCallParams {
            to: "1234567890".into(),
            ..Default::default()
        },
    ) {
        Err(Error::Validation { field, message }) => {
            println!("refused before sending: {field}: {message}")
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
