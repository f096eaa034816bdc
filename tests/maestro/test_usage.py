from datetime import UTC, datetime, timedelta

from maestro.usage import UsageStore, cost_cents

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def test_usage_by_period_and_cost(redis):
    usage = UsageStore(redis, "T1")
    usage.record("C1", "backend", "sonnet", {"input": 1000, "output": 500, "cache_read": 4000}, NOW)
    usage.record("C1", "backend", "sonnet", {"input": 1000, "output": 500}, NOW - timedelta(days=3))
    usage.record("C1", "master", "opus", {"input": 2000, "cache_write": 1000}, NOW - timedelta(days=30))
    summary = usage.summary("C1", NOW)
    today = {row.agent: row for row in summary["today"]}
    assert today["backend"].input == 1000 and today["backend"].cache_read == 4000
    assert {row.agent: row.input for row in summary["sprint"]} == {"backend": 2000}
    assert {row.agent: row.total for row in summary["all"]} == {"backend": 7000, "master": 3000}
    expected = (
        cost_cents("sonnet", "input", 1000)
        + cost_cents("sonnet", "output", 500)
        + cost_cents("sonnet", "cache_read", 4000)
    )
    assert abs(today["backend"].cost_cents - expected) < 1e-9
    assert cost_cents("opus", "cache_write", 1_000_000) == 1500 * 1.25


def test_monthly_budget(redis):
    usage = UsageStore(redis, "T1")
    assert usage.over_budget("C1", NOW) is None
    usage.set_budget("C1", 3000)
    usage.record("C1", "backend", "sonnet", {"input": 2000, "output": 999}, NOW)
    assert usage.over_budget("C1", NOW) is None
    usage.record("C1", "backend", "sonnet", {"output": 1}, NOW)
    assert "3,000 tokens is used up" in usage.over_budget("C1", NOW)
    assert usage.over_budget("C1", NOW + timedelta(days=12)) is None  # a new month
    usage.set_budget("C1", None)
    assert usage.budget("C1") is None
