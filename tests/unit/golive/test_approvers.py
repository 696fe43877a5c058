"""GOLIVE_APPROVERS / GOLIVE_SEPARATION_OF_DUTIES: parsing, the HITL assignees, what is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from golive.approvers import Approver, ApproverPolicy, ApproverPolicyError
from golive.settings import GoliveSettings

ALICE = Approver(id="alice", name="alice")
BOB = Approver(id="bob", name="bob")


def test_environments_map_to_their_approvers_and_star_means_anyone():
    policy = ApproverPolicy.parse("prod=alice, bob ;staging=*;default=7:carol")
    assert policy.approvers_for("prod") == (ALICE, BOB)
    assert policy.approvers_for("staging") is None
    assert policy.approvers_for("dev") == (Approver(id="7", name="carol"),)  # the default, FAB-style id:name
    assert policy.approvers_for(None) == (Approver(id="7", name="carol"),)
    assert ApproverPolicy.parse("").approvers_for("prod") is None  # nothing configured: the laptop default


@pytest.mark.parametrize(("text", "words"), [
    ("prod", "not environment=users"),
    ("qa=alice", "not environment=users"),
    ("prod=", "names no approver"),
    ("prod=alice,*", "mixes *"),
    ("prod=alice;prod=bob", "named twice"),
    ("prod=al ice", "not a user id"),
])
def test_a_malformed_policy_names_the_setting_and_the_part(text, words):
    with pytest.raises(ApproverPolicyError, match="GOLIVE_APPROVERS") as err:
        ApproverPolicy.parse(text)
    assert words in str(err.value)


def test_settings_refuse_a_bad_policy_naming_the_field(monkeypatch):
    monkeypatch.setenv("GOLIVE_APPROVERS", "prod")
    with pytest.raises(ValidationError, match="approvers"):
        GoliveSettings()
    monkeypatch.setenv("GOLIVE_APPROVERS", "")
    monkeypatch.setenv("GOLIVE_SEPARATION_OF_DUTIES", "prod,qa")
    with pytest.raises(ValidationError, match="separation_of_duties"):
        GoliveSettings()


def test_the_prod_triggerer_is_left_out_of_the_assignees():
    policy = ApproverPolicy.parse("prod=alice,bob;staging=alice,bob")
    assert policy.assigned_users("prod", "alice") == [BOB]
    assert policy.assigned_users("staging", "alice") == [ALICE, BOB]  # no separation of duties there
    assert policy.assigned_users("prod", None) == [ALICE, BOB]  # a scheduled run has no triggerer
    with pytest.raises(ApproverPolicyError, match="its only approver 'alice' triggered it"):
        ApproverPolicy.parse("prod=alice").assigned_users("prod", "alice")


def test_the_triggerer_may_reject_but_not_approve_their_own_prod_go_live():
    policy = ApproverPolicy.parse("prod=*")
    assert "separation of duties" in policy.refusal("prod", "alice", ALICE, approving=True)
    assert policy.refusal("prod", "alice", ALICE, approving=False) is None
    assert policy.refusal("prod", "alice", BOB, approving=True) is None
    assert policy.refusal("dev", "alice", ALICE, approving=True) is None
    named = ApproverPolicy.parse("prod=alice")
    assert "not an approver for prod" in named.refusal("prod", None, BOB, approving=False)
    fab = ApproverPolicy.parse("prod=*")  # FAB: the responder's id is numeric, the triggerer's name is the username
    assert fab.refusal("prod", "alice", Approver(id="7", name="alice"), approving=True)
