"""Statistics (seed §3, §5): payment events and the figures a manager reviews.

payments.py     POST /v1/payments: exact money, idempotent by the finance system's id
attribution.py  which contact a payment is credited to (the rule, and its window)
facts.py        what an event, and a message as it stands, count for
fold.py         committed events into daily counters, by a safe cursor (worker cron)
query.py        the figures for a period, team, portfolio, collector
api.py          the HTTP endpoints; the page is dispatcher/workspace/stats
"""
