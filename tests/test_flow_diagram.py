"""`sipbot flow diagram`: every conversation drawn from its flow file, steps and moves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sipbot.cli import main
from sipbot.config import Settings
from sipbot.flows.diagram import mermaid
from sipbot.flows.model import Flow
from sipbot.services import Services

CONVERSATIONS = sorted((Path(__file__).resolve().parent.parent / "conversations").glob("*.yaml"))


def _diagram(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(["flow", "diagram", *args])
    return capsys.readouterr().out


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The command reads only the flow files, the deployment and the catalogs: no key."""
    for name in ("SECRET_KEY", "TELEGRAM_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(f"SIPBOT_{name}", raising=False)
    monkeypatch.setenv("SIPBOT_DEPLOYMENT", str(settings.deployment))


def test_every_conversation_file_is_drawn(
    env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _diagram(capsys)
    assert len(CONVERSATIONS) == len(services.flows)
    for flow in services.flows.values():
        assert f"%% {flow.id}, version {flow.version}\nflowchart TD" in out
        _names_every_step_and_branch(flow, out)


def _names_every_step_and_branch(flow: Flow, out: str) -> None:
    edges = re.findall(r"^    (s_\w+|start) -->(?:\|([^|]*)\|)? (s_\w+|done)$", out, re.M)
    for step in flow.steps:
        assert re.search(rf'^    s_{step.id}[\[\(\{{]+"{step.id}<br/>{step.kind}', out, re.M)
        # Every step is reached from somewhere, by an arrow saying when, if only sometimes.
        into = [label for _, label, b in edges if b == f"s_{step.id}"]
        assert into, f"nothing leads to {step.id}"
        if step.when is not None:
            assert f"{step.when.step} = {', '.join(step.when.any_of)}" in into
        if step.kind == "each":
            assert (f"s_{step.id}", "next item", f"s_{step.id}") in edges
            assert f"each of {step.for_each}" in out
        if step.kind not in ("info", "review") and flow.steps[-1].kind == "review":
            assert f"    s_{flow.steps[-1].id} -. edit .-> s_{step.id}\n" in out
    review = flow.steps[-1]
    if review.kind == "review":
        back = re.search(rf"^    (.*) -\. back after an edit \.-> s_{review.id}$", out, re.M)
        assert back is not None
        editable = {f"s_{s.id}" for s in flow.steps if s.kind not in ("info", "review")}
        assert set(back.group(1).split(" & ")) == editable
        assert f"    s_{review.id} -->|send| sent" in out


def test_the_moves_follow_the_branches(services: Services) -> None:
    out = mermaid(services.flows["sip_request"])
    # From the role, each branch's first question; one's own name leads straight on.
    assert "    s_role -->|role = self| s_own_name\n" in out
    assert "    s_role -->|role = relative, representative, guardian| s_person_name\n" in out
    assert "    s_own_name --> s_municipality\n" in out
    assert "s_own_name -->|role = relative" not in out  # never after one's own name
    assert "    s_relation --> s_person_agrees\n" in out  # a relative is always asked it
    assert "    s_share_scope -->|share_scope = limited| s_share_with\n" in out
    assert "    s_share_scope -->|otherwise| s_not_share\n" in out
    assert "    s_subgoals -->|another item| s_subgoals\n" in out
    assert "done" not in out  # every path ends in the review


def test_a_flow_without_a_review_may_end_after_its_last_steps(services: Services) -> None:
    base = services.flows["sip_request"]
    steps = [s for s in base.steps if s.id in ("contact_way", "phone")]
    short = Flow(id="short", version=1, steps=steps)
    out = mermaid(short)
    assert "    s_contact_way -->|otherwise| done\n" in out
    assert "    s_phone --> done\n" in out and "edit" not in out


def test_one_flow_by_id_and_an_unknown_id_is_one_line(
    env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _diagram(capsys, "sip_request").startswith("%% sip_request, version")
    with pytest.raises(SystemExit) as code:
        main(["flow", "diagram", "nope"])
    assert code.value.code == 2
    assert capsys.readouterr().err == "sipbot: no flow 'nope'; there are: sip_request\n"
