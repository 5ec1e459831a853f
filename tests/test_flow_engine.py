"""Where the flow goes next, without Telegram."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sipbot.config import ConfigError
from sipbot.flows import engine
from sipbot.services import Services
from tests.scripts import BRANCHES

FLOW = Path(__file__).resolve().parent.parent / "conversations" / "sip_request.yaml"


def test_branches_follow_the_role_and_an_edit_asks_only_what_became_needed(
    services: Services,
) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    assert state["step"] == "role"
    assert engine.answer(flow, state, "self").id == "own_name"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "Klara").id == "municipality"  # type: ignore[union-attr]
    for step, value in [("municipality", "berg"), ("problems", "x"), ("main_goal", "y")]:
        assert state["step"] == step
        engine.answer(flow, state, value)
    # From the review, change the role: the relative's questions are asked, then the review.
    state["step"], state["answers"]["review"] = "review", None
    engine.edit(flow, state, "role")
    assert engine.answer(flow, state, "relative").id == "person_name"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "Karl").id == "relation"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "son").id == "person_agrees"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "agrees").id == "person_age"  # type: ignore[union-attr]
    nxt = engine.answer(flow, state, "adult")
    assert nxt is not None and nxt.id == "subgoals"  # the first still unanswered step
    # Back to self: the relative's answers no longer count.
    engine.edit(flow, state, "role")
    engine.answer(flow, state, "self")
    final = engine.final_answers(flow, state)
    assert "person_name" not in final and final["role"] == "self"


def test_a_flow_naming_a_missing_text_is_rejected_with_its_line(
    services: Services, tmp_path: Path
) -> None:
    from sipbot.flows.model import load_flow

    bad = tmp_path / "f.yaml"
    bad.write_text(FLOW.read_text().replace("ask: sip.main_goal.ask", "ask: sip.main_goal.askk"))
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if ".askk" in t)
    with pytest.raises(ConfigError, match=rf"f.yaml:{line}: steps\.\d+\.ask: no text"):
        load_flow(bad, services.deployment, services.catalogs.texts("sv", False).has)


def test_dates_are_shown_in_the_readers_language_and_swedish_time(services: Services) -> None:
    winter = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    summer = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    assert services.catalogs.texts("sv", True).datetime(winter) == "torsdag 3 december 2026 10:00"
    assert services.catalogs.texts("en", False).datetime(summer) == "Thursday 4 June 2026 10:00"


def _through(flow, state, answers: dict) -> None:  # type: ignore[no-untyped-def]
    for step, value in answers.items():
        assert state["step"] == step, f"at {state['step']}, expected {step}"
        engine.answer(flow, state, value)


def test_contacts_are_asked_per_chosen_actor_and_again_only_for_new_ones(
    services: Services,
) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    _through(flow, state, {"role": "self", "own_name": "K", "municipality": "berg"})
    _through(flow, state, {"problems": "x"})
    _through(flow, state, {"main_goal": "y", "subgoals": [], "can_do": None, "strengths": None})
    _through(flow, state, {"actors": ["vardcentral", "narstaende"]})
    contacts = flow.step("contacts")
    engine.enter(contacts, state)
    assert engine.each_item(flow, contacts, state) == "vardcentral"
    assert engine.answer_item(flow, contacts, state, "Anna") is contacts
    assert engine.each_item(flow, contacts, state) == "narstaende"
    nxt = engine.answer_item(flow, contacts, state, None)
    assert nxt is not None and nxt.id == "share_scope"
    assert state["answers"]["contacts"] == {"vardcentral": "Anna", "narstaende": None}
    # From the review: add psychiatry. Only its contact is asked; the answers about the
    # others are kept. The main-responsible question is now needed too (a huvudman).
    state["step"] = "review"
    engine.edit(flow, state, "actors")
    nxt = engine.answer(flow, state, ["vardcentral", "narstaende", "psykiatri"])
    assert nxt is not None and nxt.id == "contacts"
    engine.enter(nxt, state)
    assert engine.each_item(flow, nxt, state) == "psykiatri"
    after = engine.answer_item(flow, nxt, state, "Eva")
    assert after is not None and after.id == "share_scope"
    assert state["answers"]["contacts"] == {
        "vardcentral": "Anna",
        "narstaende": None,
        "psykiatri": "Eva",
    }
    # Taking an actor away drops only its contact, without asking anything.
    engine.edit(flow, state, "actors")
    nxt = engine.answer(flow, state, ["psykiatri", "vardcentral"])
    assert nxt is not None and nxt.id == "contacts"
    engine.enter(nxt, state)
    assert engine.each_item(flow, nxt, state) is None
    assert engine.each_answer(flow, nxt, state) == {"psykiatri": "Eva", "vardcentral": "Anna"}
    # Chosen to be edited, every item is asked again, each with the earlier answer on offer.
    engine.answer(flow, state, engine.each_answer(flow, nxt, state))
    engine.edit(flow, state, "contacts")
    assert engine.each_item(flow, nxt, state) == "psykiatri"
    assert engine.earlier_item(nxt, state, "psykiatri") == "Eva"


def test_main_responsible_is_asked_only_when_a_huvudman_is_invited(services: Services) -> None:
    flow = services.flows["sip_request"]
    step = flow.step("main_responsible")
    assert not engine.visible(step, {"actors": ["skola", "arbetsgivare"]})
    answers = {"actors": ["skola", "psykiatri", "lss"]}
    assert engine.visible(step, answers)
    assert engine.chosen_options(flow, step, answers) == ["psykiatri", "lss"]


def test_a_draft_from_an_older_flow_version_keeps_what_still_fits(services: Services) -> None:
    flow = services.flows["sip_request"]
    old = {
        "flow": flow.id,
        "version": flow.version - 1,
        "step": "contacts",
        "answers": {
            "role": "self",
            "municipality": "berg",
            "problems": "x",
            "main_goal": "y",
            "actors": ["vardcentral"],
            "contacts": "Anna på vårdcentralen",  # was free text, is now one per actor
            "removed_step": "z",
        },
        "pending": None,
        "review": False,
        "ask": 7,
    }
    assert engine.upgrade_state(flow, old)
    assert old["version"] == flow.version
    assert "contacts" not in old["answers"] and "removed_step" not in old["answers"]
    assert old["answers"]["main_goal"] == "y"
    assert old["step"] == "own_name"  # the first step needing an answer: new in this version
    assert not engine.upgrade_state(flow, old)


def test_back_returns_the_question_before_and_edit_the_one_chosen(services: Services) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    assert engine.back(flow, state) is None and state["step"] == "role"  # nothing before
    _through(flow, state, {"role": "relative", "person_name": "Karl", "relation": "son"})
    # Back skips the steps this role does not see (own_name) and keeps the answer.
    previous = engine.back(flow, state)
    assert previous is not None and previous.id == "relation" == state["step"]
    previous = engine.back(flow, state)
    assert previous is not None and previous.id == "person_name"
    previous = engine.back(flow, state)
    assert previous is not None and previous.id == "role"
    assert state["answers"] == {"role": "relative", "person_name": "Karl", "relation": "son"}
    # Back onto a multi step starts from what was chosen.
    state = engine.new_state(flow)
    _through(flow, state, {"role": "self", "own_name": "K", "municipality": "berg"})
    _through(flow, state, {"problems": "x", "main_goal": "y", "subgoals": ["a"]})
    previous = engine.back(flow, state)
    assert previous is not None and previous.id == "subgoals" and state["pending"] == ["a"]
    # From the review, Edit names the step asked; answering it leads straight back.
    state["step"] = "review"
    chosen = engine.edit(flow, state, "main_goal")
    assert chosen is flow.step("main_goal") and state["step"] == "main_goal"
    assert state["review"] and state["pending"] is None
    back_at = engine.answer(flow, state, "z")
    assert back_at is not None and back_at.id == "can_do"  # still unanswered: asked first
    _through(flow, state, {"can_do": None})
    state["answers"].update({k: v for k, v in BRANCHES["self"][0].items() if k != "main_goal"})
    state.update(step="review", review=False)
    engine.edit(flow, state, "main_goal")
    assert engine.answer(flow, state, "w") is flow.step("review") and not state["review"]


def test_a_choice_naming_someone_no_longer_invited_is_asked_again(services: Services) -> None:
    flow = services.flows["sip_request"]
    step = flow.step("main_responsible")
    state = engine.new_state(flow)
    state.update(answers=dict(BRANCHES["self"][0]), step="review", review=True)
    assert state["answers"]["main_responsible"] == "psykiatri"
    assert engine.advance(flow, state) is flow.step("review")  # psykiatri still invited
    # Psykiatri taken away: who may share is asked again, the ticks on psykiatri dropped.
    state.update(review=True)
    state["answers"]["actors"] = ["vardcentral", "narstaende"]
    _contacts_kept(flow, state)
    assert state["step"] == "share_with" and state["pending"] == ["vardcentral"]
    engine.answer(flow, state, ["vardcentral"])
    assert state["step"] == "main_responsible" and state["review"]
    assert engine.answer(flow, state, "dont_know") is flow.step("review")
    # "Don't know" names nobody, so it never goes stale.
    state.update(review=True)
    assert engine.advance(flow, state) is flow.step("review")
    assert engine.chosen_options(flow, step, state["answers"]) == ["vardcentral"]


def _contacts_kept(flow, state) -> None:  # type: ignore[no-untyped-def]
    """After the actors changed: the contacts step, nothing new to ask, answered as kept."""
    contacts = engine.advance(flow, state)
    assert contacts is flow.step("contacts")
    engine.enter(contacts, state)
    assert engine.each_item(flow, contacts, state) is None
    engine.answer(flow, state, engine.each_answer(flow, contacts, state))


def _load(services: Services, path: Path):  # type: ignore[no-untyped-def]
    from sipbot.flows.model import load_flow

    return load_flow(path, services.deployment, services.catalogs.texts("sv", False).has)


def _line(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)


def test_a_flow_lacking_a_step_the_code_reads_is_refused_with_its_line(
    services: Services, tmp_path: Path
) -> None:
    from sipbot.flows.model import REQUIRED_STEPS

    bad = tmp_path / "f.yaml"
    original = FLOW.read_text()
    assert _load(services, FLOW).id == "sip_request"
    # Every declared step is in the real flow; renaming any one of them stops the load.
    for step_id in REQUIRED_STEPS["sip_request"]:
        bad.write_text(original.replace(f"  - id: {step_id}\n", f"  - id: {step_id}_x\n", 1))
        line = _line(bad, "  - id: ")  # where the list of steps begins
        with pytest.raises(ConfigError, match=rf"f.yaml:{line}: steps: no step '{step_id}'"):
            _load(services, bad)


def test_a_required_step_of_another_kind_or_without_its_options_is_refused(
    services: Services, tmp_path: Path
) -> None:
    bad = tmp_path / "f.yaml"
    original = FLOW.read_text()
    main_goal = original.index("  - id: main_goal")
    bad.write_text(
        original[:main_goal] + original[main_goal:].replace("kind: text", "kind: list", 1)
    )
    with pytest.raises(ConfigError, match=r"f.yaml:\d+: steps\.\d+\.kind: 'main_goal' must be"):
        _load(services, bad)
    bad.write_text(original.replace("{id: agrees, label:", "{id: sure, label:"))
    line = _line(bad, "id: person_agrees")
    with pytest.raises(ConfigError, match=r"steps\.\d+\.options: 'person_agrees' needs option"):
        _load(services, bad)
    bad.write_text(original.replace("{id: guardian, label:", "{id: uncle, label:"))
    line = _line(bad, "{id: uncle")
    with pytest.raises(ConfigError, match=rf"f.yaml:{line}: steps\.0\.options\.3\.id: 'uncle'"):
        _load(services, bad)
    bad.write_text(original.replace("options_from: municipalities", "options_from: actors"))
    with pytest.raises(ConfigError, match=r"'municipality' needs options_from: municipalities"):
        _load(services, bad)


def test_a_new_draft_starts_unasked_with_its_own_key(services: Services) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    key = state.pop("draft")
    assert state == {
        "flow": "sip_request",
        "version": flow.version,
        "step": "role",
        "answers": {},
        "pending": None,
        "review": False,
        "ask": 0,
        "shown": 0,
    }
    assert re.fullmatch(r"[0-9a-f]{32}", key) and key != engine.new_state(flow)["draft"]
    # Shown is the last question known to have arrived: a newer one may not have.
    assert engine.delivered({"ask": 3, "shown": 3}) is True
    assert engine.delivered({"ask": 4, "shown": 3}) is False
    assert engine.delivered({"ask": 4}) is True  # a draft from before "shown" was kept


def test_an_upgraded_draft_keeps_answers_of_the_same_shape_only(services: Services) -> None:
    flow = services.flows["sip_request"]
    old = {
        "flow": flow.id,
        "version": flow.version - 1,
        "step": "review",
        "answers": {
            "role": "self",
            "own_name": "K",
            "subgoals": "one long text",  # was text, is now a list
            "actors": ["vardcentral"],
            "contacts": {"vardcentral": "Anna"},
            "meeting_help": "interpreter",  # was a choice, is now a multi
        },
        "pending": ["x"],
        "review": True,
        "ask": 2,
    }
    assert engine.upgrade_state(flow, old) is True
    assert old["answers"] == {
        "role": "self",
        "own_name": "K",
        "actors": ["vardcentral"],
        "contacts": {"vardcentral": "Anna"},
    }
    assert (old["pending"], old["review"], old["step"]) == (None, False, "municipality")
    assert engine.upgrade_state(flow, old) is False
