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
from sandbox.anthropic_stub import schema_responder

_TOOLS = ("submit_plan", "submit_deliverable", "submit_review", "submit_reply")
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


def offline_responder(body: dict[str, Any]) -> dict[str, Any] | None:
    """Return the forced tool's input as the offline brain would fill it.

    Requests that don't carry Maestro's ``<context>`` (or name another tool) get the stub's
    schema-generated input instead.
    """
    choice = body.get("tool_choice") or {}
    tool = choice.get("name") or (body.get("tools") or [{}])[0].get("name")
    data = _context(body)
    if data is None or tool not in _TOOLS:
        return schema_responder(body)
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
    return brain.answer(ThreadContext.model_validate(data)).value.model_dump(mode="json")
