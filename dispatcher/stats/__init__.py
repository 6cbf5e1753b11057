"""Statistics (seed §3, §5): payment events and the figures a manager reviews.

    payments.py     POST /v1/payments: exact money, idempotent by the finance system's id
    attribution.py  which contact a payment is credited to (the rule, and its window)
    facts.py        what an event, and a message as it stands, count for
    checks.py       the debtor's zone, and whether an attempt was inside the allowed hours
    fold.py         committed events into daily counters, by a safe cursor (worker cron)
    query.py        the figures for a period, team, portfolio, collector
    charts.py       bar charts as accessible SVG, for the page
    api.py          the HTTP endpoints (openapi.py: their part of the OpenAPI document)
    models.py       payments, portfolio_accounts, stats_* (migration 0016); sql.py: upserts

The page is ``dispatcher/workspace/stats`` (``/workspace/stats``).
"""
