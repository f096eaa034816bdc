"""Rendering messages for a terminal."""

from __future__ import annotations

from sandbox.render import display_text, render_message, render_view


def _button(action_id: str, label: str, value: str) -> dict:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }


def test_blocks_render_with_numbered_buttons() -> None:
    message = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Task T-1"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Write &lt;login&gt; API &amp; tests for <@U0BOB>"},
                "fields": [{"type": "mrkdwn", "text": "*Agent*"}, {"type": "mrkdwn", "text": "backend"}],
            },
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "created by <@U0ALICE>"}]},
            {
                "type": "actions",
                "elements": [
                    _button("start", "Start", "T-1"),
                    _button("done", "Done", "T-1"),
                    _button("block", "Block", "T-1"),
                ],
            },
        ],
    }
    text, buttons = render_message(message)
    lines = text.split("\n")
    assert lines[0] == "== Task T-1 =="
    assert "Write <login> API & tests for @bob" in lines
    assert "  *Agent*  |  backend" in lines
    assert "-" * 40 in lines
    assert "created by @alice" in text
    assert "[1] Start  [2] Done  [3] Block" in lines
    assert "fallback" not in text
    assert buttons == [(1, "start", "Start", "T-1"), (2, "done", "Done", "T-1"), (3, "block", "Block", "T-1")]


def test_numbering_starts_where_asked_and_includes_accessories() -> None:
    message = {
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Pick"},
                "accessory": _button("pick", "Pick me", "7"),
            }
        ]
    }
    text, buttons = render_message(message, start=4)
    assert buttons == [(4, "pick", "Pick me", "7")]
    assert "[4] Pick me" in text


def test_rich_text_lists_and_plain_text_fallback() -> None:
    rich = {
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "Plan:"}]},
                    {
                        "type": "rich_text_list",
                        "style": "ordered",
                        "elements": [
                            {"type": "rich_text_section", "elements": [{"type": "text", "text": "design"}]},
                            {"type": "rich_text_section", "elements": [{"type": "text", "text": "build"}]},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "style": "bullet",
                        "indent": 1,
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "user", "user_id": "U0CAROL"}],
                            }
                        ],
                    },
                ],
            }
        ]
    }
    text, buttons = render_message(rich)
    assert text.split("\n") == ["Plan:", "  1. design", "  2. build", "    • @carol"]
    assert buttons == []
    plain, _ = render_message({"text": "see <https://x.test/a|the doc> &amp; <!here>"})
    assert plain == "see the doc (https://x.test/a) & @here"


def test_display_text_does_not_turn_escaped_brackets_into_links() -> None:
    assert (
        display_text("&lt;@U0BOB&gt; is literal, <@U0BOB> is a mention")
        == "<@U0BOB> is literal, @bob is a mention"
    )


def test_render_view_shows_title() -> None:
    text, _ = render_view(
        {
            "type": "modal",
            "title": {"type": "plain_text", "text": "New task"},
            "blocks": [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Title"},
                    "element": {"type": "plain_text_input", "action_id": "t"},
                }
            ],
        }
    )
    assert text.split("\n")[:2] == ["[New task]", "Title: [plain_text_input]"]
