"""Real feature requests from the seeds, for the sandbox console, the tests and the benchmarks.

``ORDER_MANAGEMENT`` is seed 002's "E-Commerce Order Management System" request (7 requirements);
``PHASE_1_MILESTONES`` is seed 001's Phase 1 milestone table; ``PHASE_1_TRACKS`` seed 003's Phase 1
parallel tracks.
"""

ORDER_MANAGEMENT = """Feature Name: E-Commerce Order Management System

Business Objective: Enable customers to place orders, track order status, and manage their order history while integrating with inventory and payment systems.

Requirements:

  • Users can create, modify, and cancel orders
  • Orders contain line items with products and quantities
  • Payment processing integration required
  • Inventory must be reserved when order is placed
  • Order status tracking (pending, confirmed, shipped, delivered, cancelled)
  • Email notifications on status changes
  • Admin dashboard for order management

Success Criteria:

  • 95% order success rate
  • < 2 second order placement time
  • Real-time inventory updates
  • Automated email notifications
"""

PHASE_1_MILESTONES = """Phase 1: Foundation

| Milestone | Deliverable | Dependencies |
|---|---|---|
| M1.1 — Shared packages | `pkg/*` (logger, errors, database, kafka, config, health, middleware, validator, pagination) | None |
| M1.2 — Product service | `services/product` full implementation + tests | M1.1 |
| M1.3 — User service | `services/user` registration, JWT, profile | M1.1 |
| M1.4 — Gateway | `services/gateway` routing, JWT validation | M1.3 |
| M1.5 — Database migrations | golang-migrate tooling, all Phase 1 schemas | M1.2, M1.3 |
| M1.6 — Local dev stack | Docker Compose, all infra services (PG, Redis, Kafka, ES) | M1.2–M1.5 |
"""

PHASE_1_TRACKS = """Phase 1 (Weeks 1-6): Foundation

- Track A: Session State Service (Go-Backend-Agent)
- Track B: Client State Manager (TypeScript-Frontend-Agent-Core)
- Track C: Infrastructure setup (DevOps-Agent)
- Track D: Redis/PostgreSQL setup (Data-Engineer-Agent)
"""

EXAMPLES = {"orders": ORDER_MANAGEMENT, "milestones": PHASE_1_MILESTONES, "tracks": PHASE_1_TRACKS}
"""The examples by name (the console's ``:example NAME`` sends ``/orchestrate`` with one)."""
