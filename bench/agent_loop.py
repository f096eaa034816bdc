"""The agent loop over a simulated sprint: how much of the input is read from the prompt cache.

Runs seed 002's request (12 tasks) through ``maestro web`` and worker processes with the Claude
brain pointed at the local Anthropic stub, which caches as the real API does (the prefix through
tools, system and messages up to each breakpoint, and only from the model's minimum: 1,024
tokens for Sonnet, 4,096 for Haiku 4.5 and Opus 4.5+) and answers like a diligent model after a
fixed latency (it reads with a tool, then answers). Prints, from the usage Maestro recorded per
agent: the share of input tokens read from the cache (goal ≥ 70 %), model turns per task, and
time per task, plus the stable prefix of each agent in tokens (characters / 4, as the stub counts).

Usage: ``.venv/bin/python bench/agent_loop.py [--workers 2] [--latency-ms 300] [--runs 1]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from team_run import CHANNEL, one_run  # noqa: E402

from agents.claude import system_for  # noqa: E402
from agents.loop import tool_definitions  # noqa: E402
from agents.roster import roster_for  # noqa: E402
from maestro.models import utcnow  # noqa: E402
from maestro.usage import UsageStore  # noqa: E402
from sandbox.claude_responder import terminal_of  # noqa: E402

TEAM = "T0SANDBOX"


def prefix_tokens() -> dict[str, int]:
    """The stable prefix (work tools + system) of each agent, in tokens (characters / 4)."""
    tools = len(json.dumps(tool_definitions("work")))
    return {a.id: (tools + sum(len(b["text"]) for b in system_for(a))) // 4 for a in roster_for([])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=300, help="the stub model's think time per answer")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    sizes = prefix_tokens()
    print("stable prefix per agent (work tools + team preamble + role prompt), tokens:")
    ordered = sorted(sizes.items(), key=lambda kv: kv[1])
    print("  " + ", ".join(f"{agent} {size:,}" for agent, size in ordered))
    for run in range(args.runs):
        seen: dict[str, float] = {}

        def report(store, redis, stub, seen=seen):
            rows = UsageStore(redis, TEAM).summary(CHANNEL, utcnow())["all"]
            fresh = sum(r.input for r in rows)
            read = sum(r.cache_read for r in rows)
            written = sum(r.cache_write for r in rows)
            calls = [terminal_of(r.body) for r in stub.requests_for()]
            tasks = len(store.list_tasks(CHANNEL))
            seen.update(
                share=read / max(1, fresh + read + written),
                fresh=fresh,
                read=read,
                written=written,
                work_turns=calls.count("submit_deliverable") / max(1, tasks),
                review_turns=calls.count("submit_review") / max(1, tasks),
                plan_turns=calls.count("submit_plan"),
                tasks=tasks,
            )

        to_plan, to_done, tasks = one_run(args.workers, args.latency_ms, None, report)
        print(
            f"run {run + 1}: {tasks} tasks, {args.workers} workers, {args.latency_ms} ms per model answer\n"
            f"  input tokens read from cache: {seen['share']:.1%} "
            f"(read {seen['read']:,}, written {seen['written']:,}, uncached {seen['fresh']:,})\n"
            f"  model turns per task: {seen['work_turns']:.1f} working"
            f" + {seen['review_turns']:.1f} reviewing; "
            f"plan: {seen['plan_turns']} turns\n"
            f"  /orchestrate→plan posted {to_plan:.2f} s; start→last completion {to_done:.2f} s "
            f"({to_done / max(1, tasks):.2f} s per task, batches in parallel)"
        )


if __name__ == "__main__":
    main()
