"""Turning a request's words into task titles and acceptance criteria (pure functions).

An engineer's titles are imperative and specific ("Reserve inventory when an order is placed"),
never a verb glued onto a sentence ("Implement every return gets an RMA number"); criteria are
checks a reviewer can test ("All exported databases are read under REPEATABLE READ isolation"),
derived from what the request asks, never from the bug it reports. Everything here keeps the
request's own nouns: it rephrases, it does not invent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

IMPERATIVE_VERBS = frozenset(
    """
    add build create implement support enable allow fix integrate migrate write design provide expose make
    update remove deploy move replace refactor introduce send show display store let ensure upgrade rotate
    configure automate document investigate evaluate research compare optimize optimise speed reduce improve
    validate monitor connect sync generate export import delete rename split merge audit harden patch define
    publish notify reserve handle parse enforce limit restrict encrypt backfill clean drop find identify
    determine choose pick select decide set setup run check verify prevent protect block convert extend
    redesign rewrite track record capture collect calculate compute return accept reject schedule retry cache
    clarify preload announce switch change alert measure test ship release review answer stop keep apply
    route sweep rehearse reproduce rate contain confirm map serve wire load retire sunset deprecate allow
    re-organize reorganize reorganise restructure rework revamp rethink simplify use repeat post share
    port turn cut bump pin tune raise lower expand shrink increase restore purge flush warm
    invalidate throttle paginate replicate translate localize
    invite approve grant revoke emit benchmark escalate subscribe refresh reload restart
    cancel pause resume dispatch deliver render hide toggle disable open close downgrade tell speed
    """.split()
)
"""Verbs a title may start with."""

CLAUSE_VERBS = ("ensure", "check", "verify", "confirm", "make sure", "find out", "decide", "show", "prove")
"""Title verbs that take a whole clause after them ("Ensure inventory is reserved …")."""

_IRREGULAR_PP = {
    "build": "built",
    "write": "written",
    "run": "run",
    "make": "made",
    "send": "sent",
    "set": "set",
    "keep": "kept",
    "find": "found",
    "split": "split",
    "put": "put",
    "hold": "held",
    "get": "got",
    "let": "let",
    "read": "read",
    "show": "shown",
    "cut": "cut",
    "shut": "shut",
    "drop": "dropped",
    "stop": "stopped",
    "map": "mapped",
    "ship": "shipped",
}
_IRREGULAR_BASE = {v: k for k, v in _IRREGULAR_PP.items()}

_NOUN_VERBS: tuple[tuple[str, str], ...] = (
    (r"integration", "Integrate"),
    (r"tracking", "Track"),
    (r"processing", "Process"),
    (r"notifications?|emails?|alerts?|messages?", "Send"),
    (r"dashboards?|pages?|screens?|modals?|forms?|ui|views?|menus?|buttons?|components?|widgets?", "Build"),
    (r"endpoints?|apis?|routes?|flags?|options?|settings?|columns?|indexes|index|tables?|fields?", "Add"),
    (r"migrations?", "Write"),
    (r"backfill", "Run"),
    (r"monitoring", "Set up"),
    (r"tests?|specs?|assertions?", "Add"),
    (r"releases?|advisor(?:y|ies)", "Ship"),
    (r"training|workshops?", "Run"),
    (r"handling", "Handle"),
    (r"mapping", "Map"),
    (r"support", "Add"),
)
"""A noun-phrase requirement's last (head) noun → the verb its title starts with."""

_STOP = frozenset(
    """
    a an the and or of to in on for with by at from as is are be been being it its this that these those
    we our you your they their i me my he she his her them can could should would must shall will may might
    not no so if then than when while where which who whom what how why all any each every some such only
    also just very more most other same new into onto over under up down out via per e g eg etc one two three
    has have had do does did done there here about after before until once between both either nor
    make made get gets use uses used using need needs want wants like work works handl handle handled
    implement implementing
    """.split()
)


def cut(text: str, limit: int) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters at a word, with an ellipsis."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:—-(") + "…"


def upper_first(text: str) -> str:
    """Capitalise the first character; code names (``gupshup_inbound``, ``iCalendar``) stay as they are."""
    first = text.split(" ", 1)[0] if text else ""
    if re.search(r"[_.`/:]|\d|[a-z][A-Z]", first):
        return text
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """Lower-case the first word unless it is a name (``Orders`` → ``orders``, ``Google`` stays)."""
    words = text.split(" ")
    first = words[0]
    if first in ("A", "An", "The"):
        return first.lower() + text[len(first) :]
    if not re.fullmatch(r"[A-Z][a-z'’-]+", first):
        return text
    if first.lower() in _KEEP_CAPITAL:
        return text
    return first.lower() + text[len(first) :]


_COMMON_VERBS = frozenset(
    "happens gets goes becomes receives runs works starts stops takes needs arrives appears changes moves "
    "stays expires fails shows sends reaches lands ships waits".split()
)
"""Third-person verbs that make a requirement a statement ("Restocking happens after inspection")."""

_NOT_VERBS = frozenset(
    "items orders users tables pages tests updates changes statuses details rows columns files jobs notes "
    "settings options records logs events alerts emails messages reports accounts payments refunds returns "
    "goods products quantities numbers errors queries requests responses".split()
)

_KEEP_CAPITAL = frozenset(
    "google stripe github slack jira docker kubernetes redis postgres sentry figma electron grafana "
    "oban".split()
)


def sentences(text: str) -> list[str]:
    """Split a requirement into its sentences (on ``. `` before a capital), without trailing dots."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z`\"“(])", (text or "").strip())
    return [p.strip().rstrip(".") for p in parts if p.strip().rstrip(".")]


def plural(subject: str) -> bool:
    """True when a noun phrase reads as plural (``orders``, ``A and B``, ``they``)."""
    words = subject.lower().split()
    if not words:
        return False
    if words[0] in ("they", "we", "you", "these", "those", "both"):
        return True
    if " and " in f" {subject.lower()} ":
        return True
    last = re.sub(r"[^a-z]", "", words[-1])
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def past_participle(verb: str) -> str:
    """``reserve`` → ``reserved``, ``build`` → ``built``, ``copy`` → ``copied``."""
    verb = verb.lower()
    if verb in _IRREGULAR_PP:
        return _IRREGULAR_PP[verb]
    if verb.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ied"
    return verb + "ed"


def base_form(participle: str) -> str | None:
    """``reserved`` → ``reserve``, ``echoed`` → ``echo``, ``copied`` → ``copy`` (None if not a participle)."""
    word = participle.lower()
    if word in _IRREGULAR_BASE:
        return _IRREGULAR_BASE[word]
    if word.endswith("ied"):
        return word[:-3] + "y"
    if not word.endswith("ed") or len(word) < 5:
        return None
    stem = word[:-2]
    if re.search(
        r"(?:at|iz|is|os|ov|iv|ar|ur|or|ir|ag|ug|ng|rv|ls|dg|rg|uc|ac|ic|ut|id)$", stem
    ) and not re.search(r"(?:ss)$", stem):
        return stem + "e"
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "ls":
        return stem[:-1]
    if stem.endswith("u"):
        return stem + "e"
    return stem


def gerund(verb: str) -> str:
    """``echo`` → ``echoing``, ``store`` → ``storing``, ``stop`` → ``stopping``."""
    verb = verb.lower()
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def third_person(verb: str) -> str:
    """``copy`` → ``copies``, ``push`` → ``pushes``, ``run`` → ``runs``."""
    if re.search(r"(?:s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _present(verb: str, subject: str) -> str:
    return verb if plural(subject) else third_person(verb)


_ACTOR = (
    r"(?:the |a |an |our |all |any )?(?:users?|customers?|admins?|administrators?|people|members?|buyers?|"
    r"sellers?|clients?|visitors?|staff|managers?|operators?|developers?|shoppers?|guests?|"
    r"team members?|merchants?|employees?)"
)


_TAG_LABELS = frozenset(
    "frontend backend front-end back-end ui ux api infra devops note notes also bonus optional knock-on "
    "follow-up context why nice-to-have stretch".split()
)
_PREPOSITIONS = r"(?:on|for|in|with|per|across|at|to|from|inside|under|over|via|by)"


def _plural_noun(noun: str) -> str:
    noun = noun.strip()
    if plural(noun) or not re.fullmatch(r"[a-z][a-z -]*", noun):
        return noun
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + ("es" if re.search(r"(?:s|sh|ch|x)$", noun) else "s")


def _verb_for(head: str, default: str) -> tuple[str, str]:
    """The verb for a noun phrase, and the phrase after it (``Conflict handling`` → Handle, conflicts)."""
    words = head.split()
    last = words[-1].lower() if words else ""
    nominal = {"handling": "Handle", "mapping": "Map", "tracking": "Track", "processing": "Process"}
    if last in nominal and len(words) > 1:
        return nominal[last], _plural_noun(lower_first(" ".join(words[:-1])))
    if last in ("pagination", "sorting", "filtering", "search", "caching", "logging", "retries"):
        return "Add", lower_first(head)
    for pattern, verb in _NOUN_VERBS:
        if re.fullmatch(pattern, last):
            return verb, _article(head)
    if re.search(r"->|→|[A-Z][a-z]+[A-Z]", head) or re.search(
        r"\b(?:service|adapter|job|worker|client)\b", head, re.I
    ):
        return "Build", _article(head)
    return default, _article(head)


def imperative_title(text: str, *, verb: str = "Implement", limit: int = 120) -> str:
    """Turn a requirement into an imperative task title, in the request's words.

    ``"Users can create orders"`` → ``"Let users create orders"``; ``"Inventory must be reserved
    when order is placed"`` → ``"Reserve inventory when order is placed"``; ``"Order status
    tracking (…)"`` → ``"Track order status (…)"``; ``"Email notifications on status changes"`` →
    ``"Send email notifications on status changes"``; ``"upstream bodies no longer echoed back"``
    → ``"Stop echoing upstream bodies back"``; ``"CalendarSyncService: polls …"`` → ``"Build
    CalendarSyncService that polls …"``; a tag label (``Frontend: …``) is dropped. The first
    sentence is used, unless it only describes and a later one asks (``They have to …``). A title
    longer than ``limit`` is cut before its relative clause.

    Args:
        text: the requirement.
        verb: the verb put in front of a noun phrase nothing else fits.
        limit: longest title.
    """
    parts = sentences(text) or [text.strip()]
    t = _ask_sentence(parts)
    t = re.sub(r"^(?:please|pls|kindly)\s+", "", t, flags=re.I)
    t = re.sub(r"^(?:we|i)\s+(?:really\s+)?(?:need|want|would like|have)\s+(?:to\s+)?", "", t, flags=re.I)
    t = re.sub(r"\s+(?:is\s+|are\s+)?(?:required|needed|a must)$", "", t, flags=re.I).strip(" .")
    t = re.sub(r"\s*\((?:e\.g\.|i\.e\.|eg|ie)[^()]*\)|\s*\([^()]{21,}\)", "", t)
    title = _labelled_title(t, verb) or _title_of(t, verb)
    clause = re.match(r"^(.{20,}?):\s+(.+)$", title)
    if clause and re.search(
        r"\b(?:is|are|was|were|has|have|can|must|should|will|does|do)\b", clause.group(2)
    ):
        title = clause.group(
            1
        )  # "Extend X with an option: tables are exported …" → the clause is a criterion
    colon = title.find(": ")
    if len(title) > 90 and colon >= 20:
        title = title[:colon]
    if len(title) > limit:
        shorter = re.split(r"\s+(?:that|which|so that|so|using|where|while|because)\s+|;", title, maxsplit=1)[
            0
        ]
        title = shorter.rstrip(" ,") if len(shorter) >= 12 else title
    return cut(upper_first(title.rstrip(" .:;,")), limit)


def _ask_sentence(parts: Sequence[str]) -> str:
    """The sentence to title: the first, or a later ``X has to …`` with its pronoun resolved."""
    first = parts[0]
    body = re.sub(r"^[A-Z][\w -]{1,20}:\s+", "", first)
    first_word = body.split(" ", 1)[0].lower()
    asks = first_word in IMPERATIVE_VERBS or re.search(
        r"\b(?:must|should|shall|has to|have to|need to|can)\b", body
    )
    if asks or len(parts) == 1:
        return first
    for later in parts[1:]:
        match = re.match(
            r"^(?:They|It|This|These)\s+((?:must|should|has to|have to|need to|needs to)\s+.+)$", later
        )
        if match:
            subject = re.split(
                r"\s+(?:pick|picks|use|uses|is|are|has|have|assume|assumes|read|reads|run|runs)\b", body
            )[0]
            return f"{subject} {match.group(1)}"
    return first


def _labelled_title(t: str, verb: str) -> str | None:
    """Title a ``Label: content`` requirement, or None when it isn't one."""
    match = re.match(r"^([A-Za-z][^:]{0,60}?):\s+(\S.*)$", t)
    if not match or match.group(1).split(" ")[0].lower() in IMPERATIVE_VERBS:
        return None
    label, content = match.group(1).strip(), match.group(2).strip()
    if re.search(
        r"\s(?:stable|complete|completed|working|ready|operational|done|available|green|passing)$",
        label,
        re.I,
    ):
        return None  # "Shared packages stable: …" reads as a state to reach
    if label.lower() in _TAG_LABELS or re.match(r"(?:a|an|the|this|these|our|its)\b", content, re.I):
        if label.lower() in _TAG_LABELS:
            return _title_of(content, verb)
        head_verb, phrase = _verb_for(label, verb)
        return _title_of(content, head_verb)
    head_verb, phrase = _verb_for(label, verb)
    if re.search(r"->|→", label):
        phrase = label
    first = content.split(" ", 1)[0]
    if (
        re.fullmatch(r"[a-z]+s", first)
        and first not in ("is", "as", "has")
        and not re.search(r"(?:ss|us|is)$", first)
    ):
        return f"{head_verb} {label if phrase.startswith('the ') else phrase} that {content}"
    if re.match(_PREPOSITIONS + r"\b", content):
        return f"{head_verb} {phrase} {content}"
    return f"{head_verb} {phrase}: {content}"


def _title_of(t: str, verb: str) -> str:
    if not t:
        return verb
    lead = re.match(
        r"^((?:at|in|on|for|from|when|once|after|before|during|within)\b[^,]{2,90}),\s*(\w+)\b(.*)$", t, re.I
    )
    if lead and lead.group(2).lower() in IMPERATIVE_VERBS:
        return f"{upper_first(lead.group(2))}{lead.group(3)} {lower_first(lead.group(1))}"
    match = re.match(
        rf"^((?:\w+\s+)?{_ACTOR})\s+(see|view|get|receive|have|open|use|pick|choose|find|manage)\b(.*)$",
        t,
        re.I,
    )
    if match:
        return f"Let {lower_first(match.group(1))} {match.group(2).lower()}{match.group(3)}"
    words = re.split(r"[\s:,]", t, maxsplit=1)
    first = words[0].lower()
    problem = "" if first in IMPERATIVE_VERBS else _problem_title(t)
    if problem:
        return problem
    if first in ("several", "multiple", "many") or re.match(r"more than one\b", t, re.I):
        return "Support " + lower_first(t)
    if first == "new":
        return "Add " + t[len(words[0]) :].strip()
    if first == "only":
        return "Allow " + lower_first(t)
    if first == "fix" and re.match(r"fix (?:it|this) so (?:that )?", t, re.I):
        return "Make sure " + re.sub(r"^fix (?:it|this) so (?:that )?", "", t, flags=re.I)
    if first in IMPERATIVE_VERBS:
        return t
    match = re.match(
        rf"^({_ACTOR})\s+(?:can|could|should be able to|must be able to|shall be able to|are able to|"
        rf"will be able to|may|need to|should|must|want to|get to)\s+(.+)$",
        t,
        flags=re.I,
    )
    if match:
        return f"Let {match.group(1).lower()} {match.group(2)}"
    match = re.match(
        r"^as an? ([\w -]+?),? i (?:want|would (?:like|rather|prefer)|need)(?: to)? (?:have )?(.+)$", t, re.I
    )
    if match:
        return f"Give {match.group(1).lower()}s {match.group(2)}"
    match = re.match(r"^(.{2,80}?)\s+no longer\s+(\w+ed)\b(.*)$", t, re.I)
    if match and base_form(match.group(2)):
        return f"Stop {gerund(base_form(match.group(2)) or '')} {lower_first(match.group(1))}{match.group(3)}"
    match = re.match(
        r"^(.{2,60}?)\s+(?:must|should|shall|will|needs to|has to|have to)\s+be\s+(\w+ed|\w+en|built|kept|"
        r"sent|set)\b(.*)$",
        t,
        re.I,
    )
    if match and base_form(match.group(2)):
        return f"{upper_first(base_form(match.group(2)) or '')} {lower_first(match.group(1))}{match.group(3)}"
    match = re.match(
        r"^(.{2,60}?)\s+(?:must|should|shall|will|needs to|has to|have to)\s+be\s+(.+)$", t, re.I
    )
    if match:
        subject = lower_first(match.group(1))
        return f"Ensure {subject} {'are' if plural(subject) else 'is'} {match.group(2)}"
    match = re.match(r"^(.{2,80}?)\s+(?:must|should|shall|will|needs to|has to|have to)\s+(.+)$", t, re.I)
    if match:
        return f"Make {lower_first(match.group(1))} {match.group(2)}"
    match = re.match(
        r"^(.{2,60}?)\s+(stable|complete|completed|working|ready|operational|done|in place|available|green|"
        r"passing)\b(.*)$",
        t,
        re.I,
    )
    if match and not re.search(r"\b(?:is|are|be)$", match.group(1)):
        return f"Make {lower_first(match.group(1))} {match.group(2)}{match.group(3)}"
    match = re.match(
        r"^(.{2,60}?)\s+(?:is|are)\s+(\w+ed|built|kept|sent|set|run|shown|written)\b(.*)$", t, re.I
    )
    if match and base_form(match.group(2)) and not re.search(r"\b(?:that|which|who)\b", match.group(1)):
        return f"{upper_first(base_form(match.group(2)) or '')} {lower_first(match.group(1))}{match.group(3)}"
    match = re.match(
        r"^((?:\S+\s+){0,3}?\S+)\s+(contains?|includes?|has|have|holds?|supports?|uses?|shows?|lists?|"
        r"displays?|sends?|tracks?|stores?|keeps?)\s+(.+)$",
        t,
        re.I,
    )
    if match:
        return f"{verb} {lower_first(match.group(1))} that {match.group(2)} {match.group(3)}"
    match = re.match(
        r"^((?:the|a|an|our)\s+)?([\w-]+(?:\s+[\w-]+){0,3}?)\s+([a-z]+?)(?:es|s)\b(.*)$", t, re.I
    )
    if (
        match
        and (match.group(3).lower() in IMPERATIVE_VERBS or match.group(3).lower() + "e" in IMPERATIVE_VERBS)
        and not re.search(r"\b(?:that|which|who|when|if)\b", match.group(2))
        and match.group(2).lower().split()[-1] not in ("every", "each", "all", "no")
    ):
        base = (
            match.group(3).lower()
            if match.group(3).lower() in IMPERATIVE_VERBS
            else match.group(3).lower() + "e"
        )
        subject = lower_first(match.group(2))
        name = re.fullmatch(r"[A-Z][a-z]+", subject.split(" ")[0])
        article = "" if match.group(1) or plural(subject) or name else "the "
        return f"Make {(match.group(1) or '').lower()}{article}{subject} {base}{match.group(4)}"
    match = re.match(
        r"^((?:every|each|all|the|a|an|no)\s+)?([\w-]+(?:\s+[\w-]+){0,3}?)\s+([a-z]+(?:s|es))\b(.*)$", t, re.I
    )
    if (
        match
        and match.group(3).lower() not in _NOT_VERBS
        and not re.search(r"(?:ss|us|is|ous)$", match.group(3).lower())
        and (match.group(1) or match.group(3).lower() in _COMMON_VERBS)
    ):
        return f"Make sure {lower_first(t)}"  # "Every return gets an RMA number": a statement, kept whole
    match = re.match(
        r"^((?:both|all|the|every|each)?\s*[\w/-]+(?:\s+[\w/-]+){0,3}?)\s+(\w+ed)\b(.*)$", t, re.I
    )
    if (
        match
        and match.group(1).strip().lower() not in ("a", "an", "the")
        and not re.search(
            r"\b(?:we|they|i|you|after|before|since|when|because|if|our|it)\b", match.group(1), re.I
        )
        and (base_form(match.group(2)) or "") in IMPERATIVE_VERBS | {"close", "open"}
    ):
        verb = upper_first(base_form(match.group(2)) or "")
        return f"{verb} {lower_first(match.group(1).strip())}{match.group(3)}"
    head = re.split(
        r"\s+(?:on|for|of|with|in|to|at|by|from|when|that|which|inside|per|across)\s+|[(:,;]", t, maxsplit=1
    )[0].rstrip()
    last = head.split()[-1].lower() if head.split() else ""
    for pattern, noun_verb in _NOUN_VERBS:
        if re.fullmatch(pattern, last):
            if noun_verb in ("Integrate", "Track", "Process", "Handle", "Map") and len(head.split()) > 1:
                rest = t[len(head) :]
                subject = " ".join(head.split()[:-1])
                return f"{noun_verb} {lower_first(subject)}{rest}"
            return f"{noun_verb} {_article(t)}"
    return f"{verb} {_article(t)}"


_PROBLEM_VERBS = (
    r"(?:fails?|failing|crash(?:es|ing)?|breaks?|breaking|returns?|returning|throws?|throwing|"
    r"times? out|timing out|leaks?|leaking|hangs?|hanging)"
)


def _problem_title(t: str) -> str:
    """A problem as a title: ``X is failing`` → ``Fix X failing``; ``X is slow`` → ``Speed up X``."""
    t = re.sub(
        r"^(?:users?|customers?|people|we|support)\s+(?:report|say|see|notice|are reporting)(?: that)?\s+",
        "",
        t,
        flags=re.I,
    )
    match = re.match(r"^(.{3,70}?)\s+(?:is|are)\s+(?:still\s+)?(slow|too slow|sluggish)\b(.*)$", t, re.I)
    if match:
        return f"Speed up {lower_first(match.group(1))}{match.group(3)}"
    match = re.match(
        r"^(.{3,70}?)\s+(?:is|are)\s+(?:still\s+)?(broken|down|flaky|failing|crashing|erroring|hanging|"
        r"timing out)\b(.*)$",
        t,
        re.I,
    )
    if match:
        state = match.group(2).lower()
        middle = f" {state}" if state.endswith("ing") else ""
        return f"Fix {lower_first(match.group(1))}{middle}{match.group(3)}"
    match = re.match(rf"^(.{{3,70}}?)\s+({_PROBLEM_VERBS})\b(.*)$", t, re.I)
    if (
        match
        and not re.search(r"\b(?:that|which|who|when|if)\b", match.group(1))
        and match.group(1).split()[-1].lower() not in ("every", "each", "a", "an", "the", "no", "any", "one")
        and not any(
            re.sub(r"e?s$", "", w.lower()) in IMPERATIVE_VERBS and w.lower().endswith("s")
            for w in match.group(1).split()[1:]
        )
    ):
        verb = match.group(2).lower()
        base = re.sub(r"(?:es|s|ing)$", "", verb) if not verb.startswith("time") else "time out"
        base = {"cras": "crash", "thro": "throw", "erro": "error", "return": "return"}.get(base, base)
        ing = (
            verb if verb.endswith("ing") else gerund(base.split(" ")[0]) + (" out" if " out" in verb else "")
        )
        return f"Fix {lower_first(match.group(1))} {ing}{match.group(3)}"
    match = re.match(
        r"^(?:(?:the|a|an)\s+)?(?:[\w-]+\s+){0,3}?(?:outage|incident|regression|downtime|data loss)\b",
        t,
        re.I,
    )
    if match:
        return f"Resolve {_article(t)}"
    return ""


def _article(text: str) -> str:
    """``Admin dashboard for …`` → ``the admin dashboard for …``; plurals, ``an export modal`` stay."""
    text = lower_first(text)
    if re.match(r"(?:a|an|the|every|each|all|one|both|some|this|these|its|their|our|only|no)\b", text, re.I):
        return text
    if text[:1].isupper():
        return text
    if re.match(r"[`'\"“]|[A-Z][a-z]*[A-Z]|\S*[_./:#]", text):
        return text
    head = re.split(
        r"\s+(?:on|for|of|with|in|to|at|by|from|when|that|which|inside|per|across)\s+|[(:,;]",
        text,
        maxsplit=1,
    )[0]
    last = head.split()[-1] if head.split() else ""
    if plural(last) or last.endswith("ing"):
        return text
    return "the " + text


def as_check(sentence: str) -> str:
    """Turn one sentence of a requirement into a testable statement.

    ``"All exported databases must be read under REPEATABLE READ isolation"`` → ``"All exported
    databases are read under REPEATABLE READ isolation"``; ``"the job's before_delete hook must
    remove the zip"`` → ``"The job's before_delete hook removes the zip"``; ``"Preload :synonyms in
    the scope"`` → ``":synonyms are preloaded in the scope"``; other statements are kept.
    """
    s = sentence.strip().rstrip(".;")
    match = re.match(r"^(.{2,80}?)\s+no longer\s+(\w+ed\b.*)$", s, re.I)
    if match and not re.search(r"\b(?:is|are|was|were)$", match.group(1)):
        return upper_first(
            f"{match.group(1)} {'are' if plural(match.group(1)) else 'is'} no longer {match.group(2)}"
        )
    match = re.match(
        r"^(.{2,80}?)\s+(?:must|should|shall|has to|have to|needs to|need to)\s+not\s+be\s+(.+)$", s, re.I
    )
    if match:
        return upper_first(
            f"{match.group(1)} {'are' if plural(match.group(1)) else 'is'} never {match.group(2)}"
        )
    match = re.match(
        r"^(.{2,80}?)\s+(?:must|should|shall|has to|have to|needs to|need to|will)\s+be\s+(.+)$", s, re.I
    )
    if match:
        return upper_first(f"{match.group(1)} {'are' if plural(match.group(1)) else 'is'} {match.group(2)}")
    match = re.match(
        r"^(.{2,80}?)\s+(?:must|should|shall|has to|have to|needs to|need to|will)\s+(?:not|"
        r"never)\s+(\w+)(.*)$",
        s,
        re.I,
    )
    if match:
        return upper_first(f"{match.group(1)} never {_present(match.group(2), 'x')}{match.group(3)}")
    match = re.match(
        r"^(.{2,80}?)\s+(?:must|should|shall|has to|have to|needs to|need to|will)\s+(\w+)(.*)$", s, re.I
    )
    if match:
        return upper_first(
            f"{match.group(1)} {_present(match.group(2).lower(), match.group(1))}{match.group(3)}"
        )
    clause = re.match(
        r"^(?:check|verify|confirm|ensure|make sure)\s+(?:that\s+)?(.+?\b(?:is|are|has|have|can|works?|"
        r"does|do)\b.+)$",
        s,
        re.I,
    )
    if clause:
        return upper_first(clause.group(1))
    words = s.split(" ", 1)
    if len(words) == 2 and words[0].lower() in IMPERATIVE_VERBS and words[0][:1].isupper():
        so_that = re.search(r"\bso (?:that )?(?!this\b|it\b|that\b)(.{8,})$", words[1])
        if so_that:
            return upper_first(so_that.group(1))
        and_check = re.match(
            r"^(.+?)\s+and (?:check|verify|make sure|ensure|confirm) (?:that )?(.{8,})$", words[1]
        )
        if and_check:
            return upper_first(and_check.group(2))
        when = re.match(r"^(when|whenever|if|once|as soon as|after|before|while)\b(.+)$", words[1], re.I)
        if when:
            actor = (
                "An alert fires"
                if words[0].lower() in ("alert", "page", "notify", "warn")
                else f"It {third_person(words[0].lower())}"
            )
            return f"{actor} {when.group(1).lower()}{when.group(2)}"
        obj, tail = words[1], ""
        second = re.match(r"^(.+) and (\w+) (.+)$", obj)
        if second and second.group(2).lower() in IMPERATIVE_VERBS:
            obj = second.group(1).rstrip(" ,")
            be = "are" if plural(second.group(3)) else "is"
            tail = f", and {second.group(3)} {be} {past_participle(second.group(2))}"
        split = re.match(
            r"^(.+?)\s+((?:in|on|for|to|into|from|with|at|as|so|before|after|under|across|through)\b.*)$", obj
        )
        thing, rest = (split.group(1), " " + split.group(2)) if split else (obj, "")
        if len(thing.split()) <= 12:
            be = "are" if plural(thing) else "is"
            return upper_first(f"{thing} {be} {past_participle(words[0])}{rest}{tail}")
    return upper_first(s)


def proper_names(text: str) -> set[str]:
    """Capitalised words found after a lower-case word in ``text`` (Google, Figma), lower-cased."""
    return {m.group(1).lower() for m in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]+)\b", text or "")}


def salient_words(text: str, names: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Return the content words of a text, stemmed: CamelCase and snake_case split, names left out.

    Capitalised words inside a sentence (product names: Google, Figma) don't count: they name the
    context, not the data that flows between requirements.
    """
    found: set[str] = set()
    for match in re.finditer(r"[A-Za-z][A-Za-z0-9_'-]*", text or ""):
        word = match.group(0)
        start = match.start()
        before = (text or "")[:start].rstrip()
        mid_sentence = bool(before) and not before.endswith((".", ":", "!", "?", "-", "•", ">"))
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", word.replace("_", " ").replace("-", " "))
        camel = len(parts) > 1 and re.search(r"[a-z][A-Z]", word)
        if not camel and re.fullmatch(r"[A-Z][a-z]+", word) and (mid_sentence or word.lower() in names):
            continue  # a name, not data
        for part in parts if camel or "_" in word or "-" in word else [word]:
            stem = _stem(part.lower())
            if len(stem) > 2 and stem not in _STOP:
                found.add(stem)
    return found


def _stem(word: str) -> str:
    for suffix in (
        "ations",
        "ation",
        "ingly",
        "ings",
        "ing",
        "ally",
        "ly",
        "ments",
        "ment",
        "ies",
        "es",
        "ed",
        "al",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return "y" if word == "i" else word


def overlap(a: str, b: str, names: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Return the salient words two texts share (see :func:`salient_words`)."""
    return salient_words(a, names) & salient_words(b, names)


def identifiers(text: str) -> list[str]:
    """Return the code-like names in a text: CamelCase words, snake_case, dotted or ``backticked`` names."""
    found: list[str] = []
    for match in re.finditer(
        r"`([^`]{2,60})`|\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|"
        r"\b([A-Za-z][\w-]*(?:\.[A-Za-z_][\w-]*)+)\b",
        text or "",
    ):
        name = next(g for g in match.groups() if g)
        if name not in found:
            found.append(name)
    return found


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``; ``a and b``; ``a, b and c``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def distinct(items: Iterable[str]) -> list[str]:
    """The items without repeats (case and spacing ignored), in order."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = " ".join(item.lower().split()).rstrip(".")
        if item and key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
