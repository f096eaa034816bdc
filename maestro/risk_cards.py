"""Block Kit builders for the risk register (pure functions: risks in, Slack JSON out).

Formats come from seed 001, "Risk Register": ``RISK-001: <description>`` / ``Category: technical |
Probability: medium | Impact: high | RAG: AMBER`` / ``Mitigation: …`` / ``Owner: … | Status: open``.
A RAG rating is always shown as its emoji and its word. Every string a person or a model wrote
(description, mitigation) is escaped; owners are our own mentions (``<@U…>``) or agent labels.
Texts are cut visibly to Block Kit's limits; a long register is split into several messages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date

from maestro.blocks import context, section
from maestro.cards import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT
from maestro.models import actor_label
from maestro.risk_store import RiskEvent, register_order
from maestro.risks import RAG_EMOJI, RAG_ORDER, Rag, Risk
from maestro.text import cut_mrkdwn, escape, truncate

MAX_REGISTER_MESSAGE_CHARS = 8000
"""Most characters of block text in one register message. Slack refuses a message whose blocks
hold ~12,000 characters in all (``msg_blocks_too_long``, undocumented), whatever each block's limit."""

MAX_LINE_DESCRIPTION = 100
"""Characters of a description shown in a one-line risk (standups, reports, ``/risk list``)."""

MAX_ENTRY_TEXT = 300
"""Characters of a description or a mitigation shown per risk in the register."""

MAX_REGISTER_MESSAGES = 10
"""Most messages one register report posts; risks past them (the least severe) are counted, not listed."""

MAX_RISK_LIST_ROWS = 60
"""Most risks ``/risk list`` shows; the rest is counted (``/report risks`` posts them all)."""

REGISTER_TITLE = "RISK REGISTER"
"""Heading of the register report (seed 001)."""

_USER_RE = re.compile(r"[UW][A-Z0-9]{1,20}")


def owner_label(owner: str | None) -> str:
    """Return mrkdwn naming a risk's owner: ``<@U123>``, ``backend (agent)`` or ``_unowned_``."""
    if not owner:
        return "_unowned_"
    if _USER_RE.fullmatch(owner):
        return f"<@{owner}>"
    return f"{escape(owner)} (agent)"


def rag_label(rag: Rag) -> str:
    """Return a RAG rating as its emoji and word: ``:red_circle: RED``."""
    return f"{RAG_EMOJI[rag]} {rag.value}"


def risk_line(risk: Risk) -> str:
    """Return one mrkdwn line for a risk, as standups and status reports list them.

    Example: ``:red_circle: RED *RISK-007* Payment provider outage — owner <@U123>`` (the
    description cut to :data:`MAX_LINE_DESCRIPTION` characters; `` · mitigated`` when not open).
    """
    line = (
        f"{rag_label(risk.rag)} *{risk.key}* {escape(truncate(risk.description, MAX_LINE_DESCRIPTION))}"
        f" — owner {owner_label(risk.owner)}"
    )
    return line if risk.is_open else f"{line} · {risk.status.value}"


MAX_REPORT_MITIGATION = 120
"""Characters of a mitigation shown per risk in a status report (``/risk show`` shows it all)."""


def report_risk_entry(risk: Risk) -> str:
    """Return one risk as seed 001's status report lists it (mrkdwn, a few short lines, escaped).

    Seed 001, "RISKS AND ISSUES": ``[RISK-001] AMBER: <description>`` then ``Impact:``,
    ``Mitigation:`` and ``Owner:``; every RED or AMBER risk needs an owner and a next action, so a
    missing one says how to add it. Example::

        :large_orange_circle: *[RISK-001] AMBER:* Gateway implementation delayed
        Impact: high · probability medium
        Mitigation: Unblock user service first
        Owner: <@U123>

    The description is cut to :data:`MAX_LINE_DESCRIPTION` characters and the mitigation to
    :data:`MAX_REPORT_MITIGATION`, each before it is escaped (so no ``&amp;`` is cut in half).
    """
    description = escape(truncate(" ".join(risk.description.split()), MAX_LINE_DESCRIPTION))
    mitigation = (
        escape(truncate(" ".join(risk.mitigation.split()), MAX_REPORT_MITIGATION))
        if risk.mitigation.strip()
        else f"_no mitigation yet_ — `/risk update {risk.key} --mitigation …`"
    )
    owner = owner_label(risk.owner)
    if not risk.owner:
        owner += f" — `/risk update {risk.key} --owner @someone`"
    status = "" if risk.is_open else f" · {risk.status.value}"
    return "\n".join(
        [
            f"{RAG_EMOJI[risk.rag]} *[{risk.key}] {risk.rag.value}:* {description}{status}",
            f"Impact: {risk.impact.value} · probability {risk.probability.value}",
            f"Mitigation: {mitigation}",
            f"Owner: {owner}",
        ]
    )


def risk_fallback_text(risk: Risk) -> str:
    """Return a risk's notification text: ``RISK-007 (RED): Payment provider outage``."""
    return f"{risk.key} ({risk.rag.value}): {escape(truncate(risk.description, 200))}"


def _ratings(risk: Risk) -> str:
    return (
        f"Category: {risk.category.value} | Probability: {risk.probability.value} | "
        f"Impact: {risk.impact.value} | RAG: {rag_label(risk.rag)}"
    )


def build_risk_blocks(risk: Risk, history: Sequence[str] = ()) -> list[dict]:
    """Return the blocks of one risk in seed 001's register format (``/risk show``, announcements).

    Args:
        risk: the risk.
        history: mrkdwn lines of its audit trail, oldest first (already escaped); the last ten
            are shown.

    Returns:
        At most 5 blocks: key and description, ratings with owner and status, mitigation,
        who added it, and the history when given.
    """
    mitigation = (
        escape(risk.mitigation)
        if risk.mitigation
        else f"_none yet_ — `/risk update {risk.key} --mitigation …`"
    )
    blocks = [
        section(f"*{risk.key}*: {escape(risk.description)}"),
        section(f"{_ratings(risk)}\nOwner: {owner_label(risk.owner)} | Status: {risk.status.value}"),
        section(f"*Mitigation:* {mitigation}"),
        context(f"Added by {actor_label(risk.created_by)} on {risk.created_at:%Y-%m-%d}"),
    ]
    if history:
        blocks.append(section("*History*\n" + "\n".join(history[-10:])))
    return blocks


def rag_counts(risks: Sequence[Risk]) -> str:
    """Return the open risks counted by RAG, Red first: ``:red_circle: 2 RED · … · … 0 GREEN``."""
    counts = Counter(r.rag for r in risks if r.is_open)
    return " · ".join(f"{RAG_EMOJI[rag]} {counts[rag]} {rag.value}" for rag in sorted(Rag, key=RAG_ORDER.get))


def _sorted(risks: Sequence[Risk]) -> list[Risk]:
    return sorted(risks, key=register_order)


def build_risk_list_blocks(risks: Sequence[Risk], *, title: str) -> list[dict]:
    """Return ``/risk list``'s blocks: one :func:`risk_line` per risk, the rest counted.

    At most :data:`MAX_RISK_LIST_ROWS` lines and :data:`MAX_REGISTER_MESSAGE_CHARS` characters.

    Args:
        risks: the risks to list (shown open first, RAG worst first, then by key).
        title: what was listed, e.g. ``Open risks`` (our own text, not escaped).
    """
    if not risks:
        return [section(f"*{title}*\nNone. Add one: `/risk add Payment provider outage --impact high`.")]
    ordered = _sorted(risks)
    lines: list[str] = []
    budget = MAX_REGISTER_MESSAGE_CHARS - 500  # the title, the fold and the section joins
    for risk in ordered[:MAX_RISK_LIST_ROWS]:
        line = risk_line(risk)
        budget -= len(line) + 1
        if budget < 0:
            break
        lines.append(line)
    blocks = [section(f"*{title}* ({len(risks)}) · {rag_counts(risks)}")]
    blocks += [section(text) for text, _ in _pack(lines, "\n")]
    if len(ordered) > len(lines):
        more = len(ordered) - len(lines)
        blocks.append(context(f"… and {more} more. `/report risks` posts the whole register."))
    return blocks[:MAX_BLOCKS]


def _pack(entries: Sequence[str], joiner: str) -> list[tuple[str, int]]:
    """Join entries into texts of at most a section's length; return each text and its entry count."""
    texts: list[tuple[str, int]] = []
    current, count = "", 0
    for entry in entries:
        entry = cut_mrkdwn(entry, MAX_SECTION_TEXT)
        if current and len(current) + len(joiner) + len(entry) > MAX_SECTION_TEXT:
            texts.append((current, count))
            current, count = "", 0
        current = f"{current}{joiner}{entry}" if current else entry
        count += 1
    if current:
        texts.append((current, count))
    return texts


def register_entry(risk: Risk) -> str:
    """Return one risk as the register lists it (mrkdwn, at most ~1,500 characters).

    Example::

        :red_circle: RED *RISK-007* · open
        Payment provider outage
        Category: dependency | Probability: high | Impact: critical
        Mitigation: Abstract payment behind an interface
        Owner: <@U123>
    """
    lines = [
        f"{rag_label(risk.rag)} *{risk.key}* · {risk.status.value}",
        escape(truncate(risk.description, MAX_ENTRY_TEXT)),
        f"Category: {risk.category.value} | Probability: {risk.probability.value} | "
        f"Impact: {risk.impact.value}",
        "Mitigation: "
        + (escape(truncate(risk.mitigation, MAX_ENTRY_TEXT)) if risk.mitigation else "_none yet_"),
        f"Owner: {owner_label(risk.owner)}",
    ]
    return "\n".join(lines)


def build_risk_register_messages(
    risks: Sequence[Risk], *, generated: date, title: str = REGISTER_TITLE
) -> list[dict]:
    """Return the risk register as messages to post in order, for ``/report risks`` (seed 001).

    The first message starts with the title, ``Generated: YYYY-MM-DD`` and the open risks counted
    by RAG, Red first; the entries follow, open first, RAG worst first, then by key. Entries are
    packed into sections of at most 3,000 characters, and messages are cut before 50 blocks or
    :data:`MAX_REGISTER_MESSAGE_CHARS` characters, so Slack never refuses one; later messages
    say ``(continued, 2/3)``. Past :data:`MAX_REGISTER_MESSAGES` messages the rest (the least
    severe) is folded visibly: ``… and 40 more``.

    Args:
        risks: the risks to show (usually the open ones; closed ones show their status).
        generated: the report's date (the project's local date).
        title: the heading (our own text, not escaped).

    Returns:
        A non-empty list of ``{"text": fallback, "blocks": [...]}``, each ready for
        ``chat.postMessage``.
    """
    ordered = _sorted(risks)
    heading = truncate(title, MAX_HEADER_TEXT)
    open_count = sum(r.is_open for r in ordered)
    closed = len(ordered) - open_count
    summary = f"*{open_count} open*" + (f" ({closed} closed)" if closed else "") + f" · {rag_counts(ordered)}"
    intro = [
        {"type": "header", "text": {"type": "plain_text", "text": heading, "emoji": True}},
        context(f"Generated: {generated.isoformat()}"),
        section(summary if ordered else "No risks recorded. Add one: `/risk add Payment provider outage`."),
    ]
    # Every page keeps room for its "continued" line and the last one for the "… and N more" fold.
    pages: list[list[dict]] = [intro]
    size, shown = sum(_chars(b) for b in intro), 0
    for text, count in _pack([register_entry(r) for r in ordered], "\n\n"):
        block = section(text)
        if len(pages[-1]) + 3 > MAX_BLOCKS or size + _chars(block) + 400 > MAX_REGISTER_MESSAGE_CHARS:
            if len(pages) == MAX_REGISTER_MESSAGES:
                break
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += _chars(block)
        shown += count
    if shown < len(ordered):
        pages[-1].append(
            context(
                f"… and {len(ordered) - shown} more (listed by key in `/risk list all`; "
                "`/risk show RISK-…` shows one)."
            )
        )
    counts = {rag: sum(r.is_open and r.rag is rag for r in ordered) for rag in Rag}
    fallback = f"{heading} {generated.isoformat()}: {open_count} open — " + ", ".join(
        f"{counts[rag]} {rag.value}" for rag in sorted(Rag, key=RAG_ORDER.get)
    )
    messages = []
    for number, blocks in enumerate(pages, start=1):
        if number > 1:
            blocks.insert(0, context(f"*{heading}* (continued, {number}/{len(pages)})"))
            text = f"{heading} (continued, {number}/{len(pages)})"
        else:
            text = fallback if len(pages) == 1 else f"{fallback} (1/{len(pages)})"
        messages.append({"text": text, "blocks": blocks})
    return messages


def _chars(block: dict) -> int:
    """Characters of text a block carries (what Slack counts towards a message's total)."""
    if block["type"] == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return len(block["text"]["text"])


RISK_HELP_LINES: tuple[str, ...] = (
    "`/risk add Payment provider outage --category dependency --probability low --impact high "
    '--owner @bob --mitigation "Abstract payment behind an interface"`',
    "Options: `--category schedule|technical|dependency|resource|security` (technical), "
    "`--probability low|medium|high` (medium), `--impact low|medium|high|critical` (medium), "
    "`--owner @person` or an agent (`--owner backend`), `--mitigation TEXT`",
    "`/risk list` (open, worst first) · `/risk list all` · `/risk show RISK-7`",
    "`/risk update RISK-7 --probability high --impact critical --mitigation … --owner …` "
    "(`--owner none` unassigns)",
    "`/risk close RISK-7` · `/risk close RISK-7 --as mitigated` (or `accepted`)",
    "RAG (seed 001): RED = impact critical, or probability and impact both high; GREEN = both low; "
    "AMBER otherwise. The register: `/report risks`.",
    "Anyone in the channel can add, update and close risks; each change is kept in the risk's history "
    "(`/risk show RISK-7`).",
)
"""The ``/risk`` help, one mrkdwn line per bullet (our own text), for ``/risk help`` and ``/maestro help``."""


def build_risk_help_blocks(error: str | None = None) -> list[dict]:
    """Return ``/risk help``'s blocks, optionally led by an error line (already escaped)."""
    blocks = [section(f":warning: {error}")] if error else []
    blocks.append(section("*The risk register*\n" + "\n".join(f"• {line}" for line in RISK_HELP_LINES)))
    return blocks


def _value(field: str, value: object) -> str:
    if value is None or value == "":
        return "—" if field != "owner" else "_unowned_"
    if field == "owner":
        return owner_label(str(value))
    if field == "rag":
        return rag_label(Rag(value))
    return escape(truncate(str(value), 60))


def describe_risk_event(event: RiskEvent) -> str:
    """Return one history line of a risk's audit event (mrkdwn, escaped), e.g.

    ``2026-03-02 14:05 UTC · <@U123> changed probability medium → high, RAG … AMBER → … RED``.
    """
    when = f"{event.at:%Y-%m-%d %H:%M} UTC · {actor_label(event.actor)}"
    if event.action == "created":
        return f"{when} added it"
    changes = ", ".join(
        f"{'RAG' if field == 'rag' else field} {_value(field, old)} → {_value(field, new)}"
        for field, (old, new) in event.changes.items()
        if field != "status"
    )
    if event.action in ("closed", "reopened") or "status" in event.changes:
        status = event.changes.get("status", [None, None])[1]
        verb = "reopened it" if event.action == "reopened" else f"closed it as {status}"
        return f"{when} {verb}" + (f"; {changes}" if changes else "")
    return f"{when} changed {changes}"
