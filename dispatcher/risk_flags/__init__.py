"""Risk flags (seed 4): complaint, vulnerable customer, litigation, media or regulator
attention, deceased, fraud suspected — set on a debtor by collectors or compliance with a
reason, cleared and reviewed by compliance, every change an appended event.

What a flag does to contact is the packs' (``[[risk_flags]]`` in ``compliance/packs``):
the ``risk.flags`` rule (``compliance/rules/risk_flags.py``) reads the debtor's flags in
the decision window, as it reads holds. Shipped (``org``): complaint and media attention
→ no contact until a supervisor (compliance) has reviewed the flag since it was set;
vulnerable → letters only; deceased and fraud suspected → no contact; litigation → no
contact but letters from counsel's templates (``except_templates``; none ship).

    PUT  /v1/debtors/{debtor_ref}/risk-flags/{flag}         set      collector, compliance
    POST /v1/debtors/{debtor_ref}/risk-flags/{flag}/clear   clear    compliance
    POST /v1/debtors/{debtor_ref}/risk-flags/{flag}/review  review   compliance, admin
    GET  /v1/debtors/{debtor_ref}/risk-flags                read     collector, compliance, admin

A collector may raise a flag but not lower it or review it: the person who reports a
complaint is not the one who signs it off.

Modules: ``models`` (the table), ``read`` (state from events; what the rule reads),
``store`` (set, clear, review under the debtor's lock), ``api`` (the endpoints).
"""
