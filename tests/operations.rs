//! A sample of the operations from Rust against the bundled mock, one per shape that differs:
//! a `meta{}` paged list walked to the end, a stateful create/retrieve/delete, a nested
//! list scoped by its path, a response outside the common envelope (`{campaign_call,
//! campaign}`), a bare object (`{mp3_url}`), and Talkturo's offset pages. Each checks what
//! the client parsed and what the mock received. (Python calls every operation:
//! tests/python/test_operations.py.)
#![cfg(feature = "mock")]

mod support;

use serde_json::json;
use support::{mock_client, queried};
use talkover::mock::MockServer;
use talkover::{
    CreateAgentParams, CreateSipTrunkDidParams, CreateSipTrunkParams, Error, ListAgentsParams,
    MakeCampaignCallParams,
};

fn mock() -> MockServer {
    MockServer::start().expect("the mock starts")
}

#[test]
fn agents_walk_every_meta_page() {
    let mock = mock();
    let client = mock_client(&mock);
    let created = client
        .agents()
        .create(&CreateAgentParams {
            label: "Night Shift".into(),
            name: "night-shift".into(),
            language: talkover::AgentLanguage::EnUs,
            interrupt_sensitivity: talkover::AgentInterruptSensitivity::Low,
            endpointing_sensitivity: "medium".into(),
            ivr_navigation_mode: "off".into(),
            ..Default::default()
        })
        .expect("created");
    assert_eq!(created.current_status, talkover::AgentStatus::Draft);
    mock.clear_requests();

    let page = client
        .agents()
        .list(&ListAgentsParams {
            per_page: Some(4),
            ..Default::default()
        })
        .expect("first page");
    let meta = page.meta.clone();
    let ids: Vec<String> = page
        .into_iter()
        .map(|agent| agent.map(|a| a.id))
        .collect::<Result<_, _>>()
        .expect("every page");

    assert_eq!(ids.len(), 6, "five seed agents and the new one: {ids:?}");
    assert_eq!(ids[0], created.id, "newest first");
    assert_eq!((meta.current_page, meta.last_page, meta.total), (1, 2, 6));
    assert_eq!(queried(&mock, "page"), [None, Some("2".into())]);
}

#[test]
fn a_sip_trunk_and_its_dids_live_until_deleted() {
    let mock = mock();
    let client = mock_client(&mock);
    let trunk = client
        .sip_trunks()
        .create(&CreateSipTrunkParams {
            name: "Backup carrier".into(),
            provider_name: "Acme Telecom".into(),
            domain: "sip.acme.example".into(),
            username: "acme".into(),
            password: "s3cret".into(),
            ..Default::default()
        })
        .expect("created");
    assert_eq!(trunk.name.as_deref(), Some("Backup carrier"));
    let created = mock.requests().pop().expect("logged");
    assert_eq!(created.body["domain"], json!("sip.acme.example"));

    let did = client
        .sip_trunks()
        .dids()
        .create(
            &trunk.id,
            &CreateSipTrunkDidParams {
                country_code: "US".into(),
                number: "+15550001111".into(),
            },
        )
        .expect("DID created");
    let dids = client.sip_trunks().dids().list(&trunk.id).expect("listed");
    let listed: Vec<&str> = dids.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(listed, [did.id.as_str()], "only this trunk's DIDs");

    assert_eq!(
        client.sip_trunks().retrieve(&trunk.id).expect("found").id,
        trunk.id
    );
    client.sip_trunks().delete(&trunk.id).expect("deleted");
    match client.sip_trunks().retrieve(&trunk.id) {
        Err(Error::Api(e)) => assert_eq!(e.status, 404),
        other => panic!("expected 404, got {other:?}"),
    }
}

#[test]
fn a_campaign_call_answers_two_objects_side_by_side() {
    let mock = mock();
    let answer = mock_client(&mock)
        .campaigns()
        .calls()
        .create(
            "campaign-uuid-1",
            &MakeCampaignCallParams {
                to: "+15550002222".into(),
                is_testing: Some(true),
                ..Default::default()
            },
        )
        .expect("queued");

    assert_eq!(answer.campaign.id, "campaign-uuid-1");
    assert!(!answer.campaign_call.id.is_empty());
    let seen = mock.requests().pop().expect("logged");
    assert_eq!(seen.path, "/api/v1/campaigns/campaign-uuid-1/call");
    assert_eq!(seen.status, Some(201));
    assert_eq!(seen.body, json!({"to": "+15550002222", "is_testing": true}));
    assert_eq!(
        seen.response["campaign_call"]["id"],
        json!(answer.campaign_call.id)
    );
}

#[test]
fn a_voice_demo_is_a_bare_object() {
    let mock = mock();
    let demo = mock_client(&mock)
        .voice_templates()
        .generate_demo("voice-template-uuid")
        .expect("demo");

    let seen = mock.requests().pop().expect("logged");
    assert_eq!(seen.response, json!({"mp3_url": demo.mp3_url}));
    assert!(demo.mp3_url.starts_with("https://"), "{}", demo.mp3_url);
}

#[test]
fn talkturo_campaigns_walk_offset_pages() {
    use talkover::talkturo::{CreateCampaignParams, ListCampaignsParams};
    let mock = mock();
    let tt = talkover::talkturo::Client::builder()
        .token(mock.token())
        .base_url(mock.url())
        .build()
        .expect("client");
    for name in ["A", "B", "C"] {
        tt.campaigns()
            .create(&CreateCampaignParams {
                team_id: "team_rust".into(),
                assistant_id: "asst_01j...".into(),
                from_number_ids: vec!["pn_1".into()],
                name: name.into(),
                ..Default::default()
            })
            .expect("created");
    }
    mock.clear_requests();

    let page = tt
        .campaigns()
        .list(&ListCampaignsParams {
            team_id: "team_rust".into(),
            limit: Some(2),
            ..Default::default()
        })
        .expect("first page");
    assert_eq!(
        (page.count, page.limit, page.offset),
        (Some(3), Some(2), Some(0))
    );
    let mut names: Vec<String> = page
        .into_iter()
        .map(|c| c.map(|c| c.name.unwrap_or_default()))
        .collect::<Result<_, _>>()
        .expect("every page");
    names.sort();

    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(queried(&mock, "offset"), [None, Some("2".into())]);
}
