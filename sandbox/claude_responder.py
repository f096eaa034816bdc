"""A responder for the Anthropic stub that answers like a model would, for end-to-end runs.

It reads the ``<context>`` JSON the Claude brain puts in its user message, rebuilds the context
model for the forced tool, and answers with what the offline brain would say — so the whole
flow runs through the Claude brain's request, tool-use parsing and validation with realistic
content. It is a test double, not a model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agents.brain import PlanContext, ReviewContext, ThreadContext, WorkContext
from agents.offline import OfflineBrain, gate_checklist
from agents.roster import find_agent, roster_for
from maestro.errors import UserError
from maestro.models import CriterionFinding
from maestro.plans import ReviewVerdict
from sandbox.anthropic_stub import CALL_TOOL, schema_responder

_CONTEXT_RE = re.compile(r"<context>\s*(.*?)\s*</context>", re.DOTALL)


def _context(body: dict[str, Any]) -> dict[str, Any] | None:
    for message in reversed(body.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        texts = (
            [content]
            if isinstance(content, str)
            else [b.get("text", "") for b in content if b.get("type") == "text"]
        )
        for text in texts:
            match = _CONTEXT_RE.search(text or "")
            if match:
                return json.loads(match.group(1))
    return None


def scripted_review(ctx: ReviewContext) -> ReviewVerdict:
    """Review as a test double: a criterion is met when the deliverable's text names it.

    Each finding quotes where the deliverable names the criterion (or says it doesn't); the
    offline gate's flags become must-fix items. Deterministic, so end-to-end runs are repeatable.
    """
    work = ctx.deliverable
    text = " ".join([work.body, *(f.content for f in work.files)])
    findings = []
    for criterion in ctx.task.acceptance_criteria:
        at = text.lower().find(criterion.lower()[:60])
        if at >= 0:
            quote = " ".join(text[at : at + 100].split())
            findings.append(CriterionFinding(criterion=criterion, status="met", reason=f"“{quote[:120]}”"))
        else:
            findings.append(
                CriterionFinding(
                    criterion=criterion, status="not_met", reason="the deliverable never addresses it"
                )
            )
    flags = [f for f in gate_checklist(ctx.task, work).flags if not f.startswith("The work never mentions")]
    must = flags + [f"Meet “{f.criterion[:200]}”" for f in findings if f.status == "not_met"]
    met = sum(f.status == "met" for f in findings)
    if must:
        return ReviewVerdict(
            verdict="REJECTED",
            summary=f"{met}/{len(findings)} criteria met; {len(must)} item(s) to fix.",
            findings=findings,
            must_fix=must[:15],
        )
    return ReviewVerdict(
        verdict="APPROVED",
        summary=f"Checked each criterion against the deliverable: {met}/{len(findings)} met.",
        findings=findings,
    )


TERMINALS = ("submit_plan", "submit_deliverable", "submit_review", "submit_reply")
"""The terminal tools the responder answers (asking and escalating are left to scripted tests)."""


def terminal_of(body: dict[str, Any]) -> str | None:
    """Return the terminal tool a loop's request is for (what kind of call it is), or None.

    Every call is offered every tool; the opening instruction names the one it ends with (the
    first ``submit_*`` it mentions), and a forced last turn names it in ``tool_choice``.
    """
    names = [t.get("name") for t in body.get("tools") or []]
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool" and choice.get("name") in TERMINALS:
        return choice["name"]
    messages = body.get("messages") or []
    opening = messages[0].get("content") if messages else ""
    text = opening if isinstance(opening, str) else " ".join(b.get("text", "") for b in opening or [])
    found = [(text.find(n), n) for n in TERMINALS if n in names and n in text]
    return min(found)[1] if found else None


def _tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    results = []
    for message in body.get("messages", []):
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, list):
            results += [b for b in content if b.get("type") == "tool_result"]
    return results


def _first_read(terminal: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The read tool a diligent agent calls first, for each kind of call."""
    if terminal == "submit_deliverable":
        task = data.get("task") or {}
        return ("read_dependency_work", {}) if task.get("depends_on") else ("read_task", {})
    if terminal == "submit_review":
        return "read_task", {}
    if terminal == "submit_reply":
        question = str(data.get("question", "")).lower()
        return "search_board", {"status": "BLOCKED" if "block" in question else "OPEN"}
    return "search_board", {"status": "OPEN"}


def _board_reply(results: list[dict[str, Any]], question: str) -> dict[str, Any] | None:
    """A reply built from a search_board result: the tasks it found, as a model would list them."""
    for result in reversed(results):
        try:
            found = json.loads(result.get("content") or "")
        except (TypeError, ValueError):
            continue
        if isinstance(found, dict) and "tasks" in found:
            tasks = found["tasks"]
            if not tasks:
                return {"text": "Nothing matches on the board right now."}
            lines = []
            for t in tasks[:10]:
                extra = f" — blocked: {t['blocked']}" if t.get("blocked") else f" ({t['status'].lower()})"
                lines.append(f"• {t['key']} {t['title']}{extra}")
            head = "Blocked right now:" if "block" in question.lower() else "On the board:"
            return {"text": head + "\n" + "\n".join(lines)}
    return None


def offline_responder(body: dict[str, Any]) -> dict[str, Any] | None:
    """Return the next tool call of an agent loop as a diligent model would make it.

    The first turn of a loop calls one read tool (a work call reads its dependencies' work, a
    review reads the task, an answer searches the board); the next turn answers the terminal
    tool with what the offline brain would say (a reply to a board question lists what the
    search found). A forced tool choice is answered at once. Requests that don't carry Maestro's
    ``<context>`` get the stub's schema-generated input instead.
    """
    choice = body.get("tool_choice") or {}
    names = [t.get("name") for t in body.get("tools") or []]
    terminal = terminal_of(body)
    data = _context(body)
    if data is None or terminal is None:
        return schema_responder(body)
    forced = choice.get("name") if choice.get("type") == "tool" else None
    results = _tool_results(body)
    if forced is None and not results:
        read, arguments = _first_read(terminal, data)
        if read in names:
            return {CALL_TOOL: read, **arguments}
    tool = forced or terminal
    answer = _terminal_input(tool, data, results)
    return None if answer is None else {CALL_TOOL: tool, **answer}


def _terminal_input(tool: str, data: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any] | None:
    brain = OfflineBrain()
    roster = roster_for([])
    for role in ("agent", "reviewer"):  # the Claude brain leaves the system prompt out of the context
        member = data.get(role)
        if isinstance(member, dict) and "system_prompt" not in member:
            try:
                member["system_prompt"] = find_agent(roster, member.get("id", "")).system_prompt
            except UserError:  # an agent this channel added: its prompt doesn't matter to the stub
                member["system_prompt"] = "(custom agent)"
    if tool == "submit_plan":
        master = find_agent(roster, "master")
        return brain.plan(PlanContext.model_validate(data), master).value.model_dump(mode="json")
    if tool == "submit_deliverable":
        return brain.work(WorkContext.model_validate(data)).value.model_dump(mode="json")
    if tool == "submit_review":
        return scripted_review(ReviewContext.model_validate(data)).model_dump(mode="json")
    if tool == "submit_reply":
        board = _board_reply(results, str(data.get("question", "")))
        if board is not None:
            return board
        return brain.answer(ThreadContext.model_validate(data)).value.model_dump(mode="json")
    return None
