import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agents.prompts import ROLE_PROMPTS, TEAM_PREAMBLE, system_blocks_text
from maestro.models import AGENT_ROLES

MIN_PREFIX_CHARS = 17_600
"""4,400 tokens at 4 characters a token: above the largest caching minimum (4,096 tokens)."""

MAX_PREFIX_CHARS = 30_000

SEEDS = next(
    (
        path
        for path in (
            Path(__file__).parents[3] / "shared" / "seeds",  # the main checkout, /work/main
            Path(__file__).parents[4] / "shared" / "seeds",  # a worktree, /work/wt/<name>
        )
        if path.is_dir()
    ),
    Path(__file__).parents[3] / "shared" / "seeds",
)
"""The seed documents, beside the project (the test is skipped where they are absent)."""

WINDOW = 12
"""A run of this many words shared with a seed counts as copied text."""


def _all_prompts() -> dict[str, str]:
    return {"team": TEAM_PREAMBLE, **ROLE_PROMPTS}


def _digest() -> str:
    blocks = [part for role in AGENT_ROLES for part in system_blocks_text(role)]
    return hashlib.sha256("\x00".join(blocks).encode()).hexdigest()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_every_role_has_a_prompt_and_nothing_else_does():
    assert list(ROLE_PROMPTS) == list(AGENT_ROLES)
    for role in AGENT_ROLES:
        preamble, prompt = system_blocks_text(role)
        assert preamble is TEAM_PREAMBLE
        assert prompt == ROLE_PROMPTS[role] and prompt.strip()


def test_an_unknown_role_is_a_key_error():
    with pytest.raises(KeyError):
        system_blocks_text("data-engineer")


@pytest.mark.parametrize("role", AGENT_ROLES)
def test_each_prefix_is_large_enough_to_cache_on_every_tier_and_not_bloated(role):
    size = sum(len(block) for block in system_blocks_text(role))
    assert MIN_PREFIX_CHARS <= size <= MAX_PREFIX_CHARS, (role, size)


def test_prompts_are_byte_stable_across_imports_and_processes():
    here = _digest()
    assert here == _digest()
    code = (
        "import hashlib; from agents.prompts import system_blocks_text;"
        "from maestro.models import AGENT_ROLES;"
        "b=[p for r in AGENT_ROLES for p in system_blocks_text(r)];"
        "print(hashlib.sha256(chr(0).join(b).encode()).hexdigest())"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == here


@pytest.mark.parametrize("name", ["team", *AGENT_ROLES])
def test_no_template_leftovers_or_variable_text(name):
    text = _all_prompts()[name]
    assert "{" not in text and "}" not in text
    assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", text), "a date in a cached prompt"
    assert not re.search(r"<@[UW][A-Z0-9]+>|<!(channel|here|everyone)>", text), "a mention in a prompt"


@pytest.mark.parametrize("role", AGENT_ROLES)
def test_role_prompts_say_how_their_work_is_reviewed_and_what_to_ask(role):
    prompt = ROLE_PROMPTS[role]
    assert prompt.startswith("# Your role:")
    assert "## Checklist" in prompt or "checklist" in prompt.lower()
    assert "Ask" in prompt or "ask" in prompt


def test_the_preamble_carries_the_roster_workflows_gate_and_examples():
    for role in AGENT_ROLES:
        assert f"- {role} (" in TEAM_PREAMBLE, role
    for marker in (
        "submit_deliverable",
        "ask_question",
        "raise_escalation",
        "INVESTIGATE, then DIAGNOSE, then FIX, then VALIDATE",
        "frontend-feature",
        "data-migration",
        "Code gate",
        "Document gate",
        "third rejection",
        "Workflow stage",
        "Example: a task assignment",
        "Example: a worked decomposition",
    ):
        assert marker in TEAM_PREAMBLE, marker


def test_the_reviewer_gives_one_finding_per_criterion_with_the_gate_of_the_kind():
    prompt = ROLE_PROMPTS["code-reviewer"]
    for marker in ("met", "not_met", "not_checkable", "Code gate", "Document gate", "request"):
        assert marker in prompt


def test_the_master_triages_from_title_and_description_and_answers_board_questions():
    prompt = ROLE_PROMPTS["master"]
    assert "title and description" in prompt and "covers" in prompt and "open_questions" in prompt
    assert "what is blocked" in prompt


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are not beside the project")
def test_no_prompt_copies_a_seed():
    seen: set[str] = set()
    for path in sorted(SEEDS.iterdir()):
        if path.is_file():
            words = _words(path.read_text(encoding="utf-8", errors="replace"))
            seen.update(" ".join(words[i : i + WINDOW]) for i in range(len(words) - WINDOW + 1))
    assert seen
    copied = {}
    for name, text in _all_prompts().items():
        words = _words(text)
        hits = [" ".join(words[i : i + WINDOW]) for i in range(len(words) - WINDOW + 1)]
        hits = [h for h in hits if h in seen]
        if hits:
            copied[name] = hits[:3]
    assert not copied, copied
