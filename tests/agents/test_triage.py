"""Parsing requests, triaging them into issue types, and picking roles."""

from __future__ import annotations

import pytest

from agents.triage import (
    MAX_REQUIREMENTS,
    changes_data_model,
    clean_text,
    expand_labels,
    guess_entities,
    is_ambiguous,
    parse_request,
    roles_for,
    triage,
    triage_request,
)
from maestro.plans import ISSUE_TYPES
from sandbox.examples import ORDER_MANAGEMENT

FEATURE_REQUEST = ORDER_MANAGEMENT  # seed 002's request, verbatim


def test_parse_a_feature_request():
    parsed = parse_request(FEATURE_REQUEST)
    assert parsed.title == "E-Commerce Order Management System"
    assert parsed.title_source == "key"
    assert parsed.objective.startswith("Enable customers to place orders")
    assert [r.label for r in parsed.requirements] == [f"R{n}" for n in range(1, 8)]
    assert parsed.requirements[0].text == "Users can create, modify, and cancel orders"
    assert parsed.requirements[6].text == "Admin dashboard for order management"
    assert parsed.success_criteria == [
        "95% order success rate",
        "< 2 second order placement time",
        "Real-time inventory updates",
        "Automated email notifications",
    ]
    assert all(not r.depends_on_labels for r in parsed.requirements)


@pytest.mark.parametrize(
    "bullet",
    ["• {}", "- {}", "* {}", "1. {}", "1) {}", "- [ ] {}", "  - **{}**"],
)
def test_bullet_styles(bullet):
    text = "Do these:\n" + "\n".join(bullet.format(item) for item in ["Add login", "Add logout"])
    assert [r.text for r in parse_request(text).requirements] == ["Add login", "Add logout"]


def test_markdown_table_with_dependency_column_and_ranges():
    text = (
        "| Milestone | What | Depends on |\n"
        "|---|---|---|\n"
        "| M1 — Base | core | — |\n"
        "| M2 — API | endpoints | M1 |\n"
        "| M3 — Jobs | workers | None |\n"
        "| M4 — UI | pages | M1-M3 |\n"
        "| M5 — Ops | deploy | M2 (contract), M4 |\n"
    )
    parsed = parse_request(text)
    labels = {r.label: r for r in parsed.requirements}
    assert list(labels) == ["M1", "M2", "M3", "M4", "M5"]
    assert labels["M2"].text == "API: endpoints"
    assert labels["M1"].depends_on_labels == [] and labels["M3"].depends_on_labels == []
    assert labels["M4"].depends_on_labels == ["M1", "M2", "M3"]
    assert labels["M5"].depends_on_labels == ["M2", "M4"]
    assert all(r.explicit_label for r in parsed.requirements)


def test_expand_labels():
    assert expand_labels("M1.2–M1.5") == ["M1.2", "M1.3", "M1.4", "M1.5"]
    assert expand_labels("M1.2-M1.5") == ["M1.2", "M1.3", "M1.4", "M1.5"]
    assert expand_labels("M1.3 (user auth), M1.2 (product gRPC)") == ["M1.3", "M1.2"]
    assert expand_labels("Track A–Track C") == ["Track A", "Track B", "Track C"]
    assert expand_labels("None") == [] and expand_labels("—") == [] and expand_labels("") == []
    assert expand_labels("Phase 2 complete") == ["Phase 2"]


def test_track_lines_and_note_sections():
    text = (
        "**Parallel tracks:**\n"
        "- Track A: Session State Service (Go-Backend-Agent)\n"
        "Track B: Client State Manager\n"
        "\n**Integration points:**\n- Week 2: API contract freeze\n"
    )
    parsed = parse_request(text)
    assert [(r.label, r.text) for r in parsed.requirements] == [
        ("Track A", "Session State Service (Go-Backend-Agent)"),
        ("Track B", "Client State Manager"),
    ]
    assert parsed.notes == ["Week 2: API contract freeze"]


def test_inline_dependencies_labels_and_sub_bullets():
    text = (
        "Requirements:\n"
        "- R1: Store uploads in S3\n"
        "- R2: Resize images (depends on R1)\n"
        "  - thumbnails at 200px\n"
        "  - keep EXIF out\n"
        "- Serve images from a CDN after R2\n"
    )
    parsed = parse_request(text)
    assert [r.label for r in parsed.requirements] == ["R1", "R2", "R3"]
    assert parsed.requirements[1].text == "Resize images"
    assert parsed.requirements[1].depends_on_labels == ["R1"]
    assert parsed.requirements[1].details == ["thumbnails at 200px", "keep EXIF out"]
    assert parsed.requirements[2].text == "Serve images from a CDN"
    assert parsed.requirements[2].depends_on_labels == ["R2"]


def test_one_paragraph_becomes_one_requirement_per_buildable_sentence():
    parsed = parse_request(
        "We run a bakery shop online. Customers should be able to pre-order cakes. "
        "Add a pickup time slot picker. Thanks a lot!"
    )
    assert [r.text for r in parsed.requirements] == [
        "Customers should be able to pre-order cakes",
        "Add a pickup time slot picker",
    ]
    assert parsed.title == "We run a bakery shop online"
    assert parsed.title_source == "sentence"


def test_a_short_first_line_is_the_title():
    parsed = parse_request("Slack export\nWe need to export the board to CSV every night.")
    assert parsed.title == "Slack export" and parsed.title_source == "line"
    assert [r.text for r in parsed.requirements] == ["We need to export the board to CSV every night"]


def test_text_with_nothing_to_build_is_one_requirement():
    parsed = parse_request("Hmm. Thoughts?")
    assert [r.text for r in parsed.requirements] == ["Hmm. Thoughts?"]


def test_requirements_are_capped_and_deduplicated():
    parsed = parse_request("\n".join(f"- thing {i % 30}" for i in range(60)))
    assert len(parsed.requirements) == MAX_REQUIREMENTS
    assert parsed.dropped == 5


def test_slack_control_sequences_are_removed():
    assert (
        clean_text("<!channel> see <https://x.io/a|the spec> <@U1> <#C1|general>")
        == "see the spec @U1 #general"
    )
    parsed = parse_request("<!here> Build a login page")
    assert "<!here>" not in parsed.model_dump_json()


TRIAGE_EXAMPLES = [
    ("Our CircleCI pipeline is failing on the staging deployment", "devops", "CircleCI"),
    ("Migrate our deployment to Kubernetes with Helm charts and Terraform", "devops", "Kubernetes"),
    (
        "Checkout API returns 500 errors since this morning; the error rate spiked",
        "production-error",
        "500 errors",
    ),
    (
        "Users report the app crashes with an exception when uploading a photo",
        "production-error",
        "exception",
    ),
    ("The orders page is slow: a slow query, EXPLAIN shows a seq scan", "database-performance", "slow query"),
    ("Add an index on orders.created_at to cut query latency", "database-performance", "index"),
    ("Security audit found an XSS vulnerability in the comment form", "security", "vulnerability"),
    ("Patch CVE-2024-3094 in our base image", "security", "CVE-2024-3094"),
    ("Integrate with Stripe webhooks so refunds sync back", "integration", "Integrate with"),
    ("Set up an MCP server for our Jira tickets", "integration", "MCP"),
    ("Research which library to use for PDF generation and compare options", "research", "which library"),
    ("Add an endpoint that exports orders as CSV", "backend-feature", "endpoint"),
    ("Add a dark mode toggle to the web UI", "frontend-feature", "dark mode"),
    ("Backfill the legacy columns that the last migration silently dropped", "data-migration", "Backfill"),
    ("Epic: retire the v1 API by the end of 2025, in two phases", "project", "two phases"),
]


@pytest.mark.parametrize(("text", "expected", "word"), TRIAGE_EXAMPLES)
def test_triage_examples(text, expected, word):
    issue_type, reason = triage(text)
    assert issue_type == expected
    assert reason.startswith(f"Triaged as {expected}")
    assert f"“{word}”" in reason or f"“{word.lower()}”" in reason.lower(), reason
    assert reason.count(".") >= 1 and "\n" not in reason


def test_triage_examples_cover_every_issue_type():
    assert {expected for _, expected, _ in TRIAGE_EXAMPLES} == set(ISSUE_TYPES)


def test_a_feature_with_many_requirements_stays_a_feature():
    result = triage_request(FEATURE_REQUEST)
    assert result.issue_type == "backend-feature" and result.confidence == "high"
    assert "7 things to build" in result.reason and "\n" not in result.reason and len(result.reason) <= 200
    assert triage(parse_request(FEATURE_REQUEST)) == (result.issue_type, result.reason)
    # The same words as one sentence, without the list, read as an integration.
    assert triage("Integrate with the payment systems via their third-party API")[0] == "integration"


def test_a_devops_list_stays_devops():
    text = "Set up:\n- GitHub Actions pipeline\n- Docker images for each service\n- Helm charts for staging"
    assert triage(text)[0] == "devops"


def test_no_signal_defaults_to_backend_feature():
    assert triage("")[0] == "backend-feature"
    assert (
        triage("hello")[1]
        == "Triaged as backend-feature: no signal of an error, outage, infrastructure or research."
    )


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Admin dashboard for order management", "frontend"),
        ("Order history page", "frontend"),
        ("Client State Manager (TypeScript-Frontend-Agent-Core)", "frontend"),
        ("CI pipeline that deploys to staging", "devops"),
        ("Docker Compose for full local development stack", "devops"),
        ("Grafana dashboards and Prometheus monitoring", "devops"),
        ("Infrastructure setup (DevOps-Agent)", "devops"),
        ("End-to-end tests for checkout with 80% coverage", "qa"),
        ("Harden authentication and run a security audit", "security"),
        ("Users can create, modify, and cancel orders", "backend"),
        ("Product service: full implementation + tests", "backend"),
        ("Audit log of order changes", "backend"),
    ],
)
def test_roles_for(text, role):
    assert roles_for(text) == role


def test_changes_data_model():
    assert changes_data_model(parse_request(FEATURE_REQUEST))
    assert changes_data_model("Orders contain line items")
    assert changes_data_model("Add a migration for the new table")
    assert not changes_data_model("Make the login button blue")
    assert not changes_data_model("Our CircleCI pipeline is failing on the staging deployment")


def test_guess_entities():
    assert guess_entities("Orders contain line items with products. Cancel orders.")[:3] == [
        "orders",
        "line_items",
        "products",
    ]
    assert guess_entities("It works and supports things") == []


def test_acceptance_and_out_of_scope_lines_never_decide_the_type():
    calendar = (
        "Calendar sync with Google\n"
        "What to build:\n- Connect a Google account with OAuth\n- Sync events both ways every 5 minutes\n"
        "Acceptance:\n- No outage of the app when Google fails\n- An error or failure of one sync is"
        " retried\n"
        "Out of scope: fixing the crash in the old importer"
    )
    result = triage_request(calendar)
    assert result.issue_type == "integration", result.reason
    assert "outage" not in result.reason and "crash" not in result.reason


def test_a_title_label_is_strong_and_said():
    result = triage_request(
        "Infra: every deploy causes a 2 minute outage (502, then 503)\nScope:\n- Find out why"
    )
    assert result.issue_type == "devops" and "labelled “Infra”" in result.reason
    assert triage_request("Stored XSS in comments: markdown renders raw HTML").issue_type == "security"
    assert triage_request("Perf: N+1 queries on the orders list").issue_type == "database-performance"


def test_an_ambiguous_request_is_research_with_low_confidence():
    text = (
        "Re-organize the dashboards\nSome dashboards are hard to read.\n"
        "As a user I would rather have dashboards built around questions."
    )
    parsed = parse_request(text)
    assert is_ambiguous(parsed)
    result = triage_request(parsed)
    assert result.issue_type == "research" and result.confidence == "low" and result.ambiguous
    assert not is_ambiguous(parse_request(FEATURE_REQUEST))


def test_sections_give_kinds_and_sources():
    parsed = parse_request(
        "Backend: export to ZIP\nContext: admins want a zip.\nRequirements:\n- Add a flag\n- New endpoint\n"
        "Acceptance:\n- Returns 202; the zip has tables but no rows\nOut of scope: the import side.\n"
        "Constraints: blocked by #280. Safe to run twice."
    )
    assert parsed.title_label == "Backend" and parsed.context == ["Context: admins want a zip"]
    assert [(r.text, r.source) for r in parsed.requirements] == [
        ("Add a flag", "Requirements, item 1"),
        ("New endpoint", "Requirements, item 2"),
    ]
    assert [a.text for a in parsed.acceptance] == ["Returns 202; the zip has tables but no rows"]
    assert [o.text for o in parsed.out_of_scope] == ["the import side"]
    assert [c.text for c in parsed.constraints] == ["blocked by #280", "Safe to run twice"]
    assert "import side" not in parsed.description() and "202" not in parsed.description()


def test_owner_due_date_and_done_when_of_an_action_item():
    parsed = parse_request(
        "Incident follow-up\nCorrective actions:\n"
        "1. Alert when errors rise. Done when a simulated spike pages on-call. SRE lead, 2026-09-18\n"
        "Items 2-5 are in the incident report and not copied here yet."
    )
    (item,) = parsed.requirements
    assert item.text == "Alert when errors rise" and item.owner == "SRE lead"
    assert str(item.due) == "2026-09-18" and item.done_when == ["Done when a simulated spike pages on-call"]
    assert parsed.missing == ["Items 2-5 are in the incident report and not copied here yet"]
