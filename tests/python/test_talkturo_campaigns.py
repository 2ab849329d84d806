"""Starting a Talkturo campaign and adding contacts to it, against the bundled mock: the
campaign must exist in the token's environment, the body goes out in the documented wire
names, and neither operation is ever sent twice by the SDK (each copy dials or enrols more).
Also what the inclusion rule of the README leaves out of the Talkturo client (deducting credits).
"""

from __future__ import annotations

import pytest

import talkover
from talkover.testing import MockServer

#: The campaign every mock environment starts with (spec/talkturo.yaml, x-mock seed).
SEEDED_CAMPAIGN = "camp_01j..."


def test_run_a_campaign(mock: MockServer) -> None:
    campaigns = mock.client(talkover.Talkturo, max_retries=0).campaigns

    run = campaigns.run(SEEDED_CAMPAIGN, account_slug="my-team", max_calls=25, dry_run=False)

    assert (run.success, run.started, run.failed, run.dialing, run.dry_run) == (True, 25, 0, "async", False)
    assert run.picks == [] and run.calls == [] and run.errors == []
    [request] = mock.requests()
    assert (request.method, request.path, request.operation) == (
        "POST",
        f"/api/crm/campaigns/{SEEDED_CAMPAIGN}/run",
        "runCampaign",
    )
    assert request.body == {"accountSlug": "my-team", "maxCalls": 25, "dryRun": False}


def test_add_contacts_to_a_campaign_created_before(mock: MockServer) -> None:
    tt = mock.client(talkover.Talkturo, max_retries=0)
    created = tt.campaigns.create(
        team_id="team_01j...", assistant_id="asst_01j...", from_number_ids=["pn_4e81c2d7"], name="Renewals"
    )

    result = tt.campaigns.contacts.add(
        created.campaign.id,
        contact_ids=["8e1f5b9d-1e4b-4db1-92b2-4d93471f1af2"],
        audience={"mode": "delta", "maxToAdd": 10},
        priority=75,
    )

    assert (result.success, result.added, result.message) == (True, 2, "Contacts added")
    assert result.enrollment is not None and result.enrollment.inserted == 2
    request = mock.requests()[-1]
    assert (request.path, request.operation) == (f"/api/crm/campaigns/{created.campaign.id}/contacts", "addCampaignContacts")
    assert request.body == {
        "contactIds": ["8e1f5b9d-1e4b-4db1-92b2-4d93471f1af2"],
        "audience": {"mode": "delta", "maxToAdd": 10},
        "priority": 75,
    }


def test_a_campaign_of_no_environment_is_not_found(mock: MockServer) -> None:
    campaigns = mock.client(talkover.Talkturo, max_retries=0).campaigns

    with pytest.raises(talkover.NotFoundError):
        campaigns.run("camp_unknown", account_slug="my-team")
    with pytest.raises(talkover.NotFoundError):
        campaigns.contacts.add("camp_unknown", contact_ids=["8e1f5b9d-1e4b-4db1-92b2-4d93471f1af2"])
    assert [(r.operation, r.status) for r in mock.requests()] == [("runCampaign", 404), ("addCampaignContacts", 404)]


def test_priority_is_checked_before_sending(mock: MockServer) -> None:
    contacts = mock.client(talkover.Talkturo, max_retries=0).campaigns.contacts

    with pytest.raises(talkover.RequestValidationError) as caught:
        contacts.add(SEEDED_CAMPAIGN, priority=100)

    assert caught.value.field == "priority"
    assert mock.requests() == []


@pytest.mark.parametrize("operation", ["run", "add"])
def test_neither_is_sent_again_after_a_server_error(mock: MockServer, operation: str) -> None:
    """A 503 after the request arrived may mean the run started; the SDK raises, it does not retry."""
    campaigns = mock.client(talkover.Talkturo, max_retries=2).campaigns
    mock.fail_next(503)

    with pytest.raises(talkover.InternalServerError):
        if operation == "run":
            campaigns.run(SEEDED_CAMPAIGN, account_slug="my-team")
        else:
            campaigns.contacts.add(SEEDED_CAMPAIGN, contact_ids=["8e1f5b9d-1e4b-4db1-92b2-4d93471f1af2"])

    assert [r.status for r in mock.requests()] == [503]


def test_credits_cannot_be_deducted_through_the_sdk(mock: MockServer) -> None:
    """Deducting credits is the platform's own metering: left out of the SDK (README)."""
    credits = mock.client(talkover.Talkturo, max_retries=0).credits

    assert not hasattr(credits, "deduct")
    assert credits.retrieve().credits == 18420
