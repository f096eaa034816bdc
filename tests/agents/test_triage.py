"""Parsing requests, triaging them into issue types, and picking roles."""

from __future__ import annotations

import pytest

from agents.triage import (
    MAX_REQUIREMENTS,
    changes_data_model,
    clean_text,
    expand_labels,
    guess_entities,
    parse_request,
    roles_for,
    triage,
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
]


@pytest.mark.parametrize(("text", "expected", "word"), TRIAGE_EXAMPLES)
def test_triage_examples(text, expected, word):
    issue_type, reason = triage(text)
    assert issue_type == expected
    assert reason.startswith(f"Triaged as {expected}")
    assert f"“{word}”" in reason, reason
    assert reason.count(".") >= 1 and "\n" not in reason


def test_triage_examples_cover_every_issue_type():
    assert {expected for _, expected, _ in TRIAGE_EXAMPLES} == set(ISSUE_TYPES)


def test_a_feature_with_many_requirements_stays_a_feature():
    issue_type, reason = triage(FEATURE_REQUEST)
    assert issue_type == "backend-feature"
    assert "7 things to build" in reason and "outweighs integration" in reason
    assert triage(parse_request(FEATURE_REQUEST)) == (issue_type, reason)
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
