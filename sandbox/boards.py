"""Boards for the sandbox console, the tests and the benchmarks (pure: Task and Milestone objects).

``ORDER_TASKS`` is seed 002's 12 subtasks of the "E-Commerce Order Management System" with their
``depends_on`` (subtask 07 waits for 03, 04 and 05 …), as ``(title, role, dependencies)`` with the
dependencies as 1-based positions. :func:`generated_board` makes a large board with milestones,
dependencies and every status, deterministically.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from maestro.models import AGENT_ROLES, Assignee, Priority, Task, TaskStatus
from maestro.sprints import Milestone

ORDER_TASKS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("Setup project structure and install dependencies", "devops", ()),
    ("Define TypeScript interfaces and contracts", "backend-architect", (1,)),
    ("Implement shopping cart service", "backend", (2,)),
    ("Implement inventory reservation service", "backend", (2,)),
    ("Implement payment service with Stripe integration", "backend", (2,)),
    ("Implement notification service with SendGrid", "backend", (2,)),
    ("Implement order service orchestrating cart, inventory, payment", "backend", (3, 4, 5)),
    ("Create REST API endpoints for orders", "backend", (7,)),
    ("Implement event handler for order confirmation emails", "backend", (6, 7)),
    ("Create database schema and migrations", "database-architect", (2,)),
    ("Create integration tests for order placement flow", "qa", (8, 9, 10)),
    ("Create API documentation with OpenAPI spec", "backend", (8,)),
)
"""Seed 002's subtasks 01–12: title, the agent role that works it, the subtasks it depends on."""

_STATUS_WEIGHTS = (
    (TaskStatus.COMPLETED, 35),
    (TaskStatus.ASSIGNED, 30),
    (TaskStatus.IN_PROGRESS, 20),
    (TaskStatus.REVIEW, 8),
    (TaskStatus.BLOCKED, 7),
)

_WORDS = (
    "implement api schema cart payment inventory order gateway search notify retry cache index "
    "migrate deploy review audit token session export import report webhook queue worker"
).split()


def generated_board(
    count: int,
    *,
    team_id: str = "T0SANDBOX",
    channel_id: str = "C0PROJECT",
    now: datetime,
    milestones: int = 8,
    seed: int = 5,
    sprint_id: str | None = None,
) -> tuple[list[Task], list[Milestone]]:
    """Return ``count`` tasks spread over ``milestones`` milestones, with dependencies and mixed statuses.

    Each task depends on up to two of the 40 tasks before it; titles are up to 140 characters and
    some carry ``<!channel>`` and ``&`` (so escaping shows); a BLOCKED task has a reason and has
    been blocked 0–6 days; every third open task is in ``sprint_id`` when one is given.

    Args:
        count: how many tasks.
        team_id: the Slack team the tasks belong to.
        channel_id: the project (channel) they are on.
        now: the current instant (aware); creation and completion times fall in the 30 days before.
        milestones: how many milestones (``M1.1`` …), each depending on the one before.
        seed: the random seed (same seed, same board).
        sprint_id: a sprint id to put some tasks in.

    Returns:
        ``(tasks, milestones)``, tasks in key order.
    """
    rng = random.Random(seed)
    keys = [f"M{1 + i // 6}.{1 + i % 6}" for i in range(milestones)]
    stones = [
        Milestone(
            key=key,
            team_id=team_id,
            channel_id=channel_id,
            title=f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)} & <!channel> milestone",
            depends_on=[keys[i - 1]] if i else [],
            gates=["Health checks pass", "Docs written"],
            gates_met=[0] if i % 2 else [],
            due=(now + timedelta(days=7 * i - 7)).date(),
            created_by="U0ALICE",
        )
        for i, key in enumerate(keys)
    ]
    statuses = [s for s, _ in _STATUS_WEIGHTS]
    weights = [w for _, w in _STATUS_WEIGHTS]
    roles = [r for r in AGENT_ROLES if r not in ("master", "context-manager")]
    tasks = []
    for number in range(1, count + 1):
        status = rng.choices(statuses, weights)[0]
        created = now - timedelta(days=rng.uniform(1, 30))
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 30)))
        title = (f"<!channel> {words} & more" if number % 17 == 0 else words.capitalize())[:140]
        earlier = range(max(1, number - 40), number)
        deps = sorted(rng.sample(list(earlier), min(len(earlier), rng.randint(0, 2))))
        owner = (
            Assignee(kind="user", id=rng.choice(["U0ALICE", "U0BOB", "U0CAROL"]))
            if number % 5 == 0
            else Assignee(kind="agent", id=rng.choice(roles))
        )
        blocked = status is TaskStatus.BLOCKED
        tasks.append(
            Task(
                key=f"T-{number}",
                team_id=team_id,
                channel_id=channel_id,
                title=title,
                assignee=owner,
                priority=rng.choice(list(Priority)),
                status=status,
                percent=rng.randint(5, 95) if status is TaskStatus.IN_PROGRESS else 0,
                blocked_reason=f"waiting for <!here> & {rng.choice(_WORDS)} access" if blocked else None,
                blocked_since=now - timedelta(days=rng.uniform(0, 6)) if blocked else None,
                blocked_from=TaskStatus.IN_PROGRESS if blocked else None,
                depends_on=[f"T-{d}" for d in deps],
                milestone=keys[(number - 1) * milestones // count] if milestones else None,
                sprint=sprint_id
                if sprint_id and (status is TaskStatus.COMPLETED or number % 3 == 0)
                else None,
                estimate_days=rng.randint(1, 5),
                created_by="U0ALICE",
                created_at=created,
                updated_at=created,
                completed_at=created + timedelta(hours=rng.uniform(1, 20))
                if status is TaskStatus.COMPLETED
                else None,
            )
        )
    return tasks, stones
