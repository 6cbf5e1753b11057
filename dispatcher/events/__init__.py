"""Outbound events: one stream derived from the contact log, for systems that subscribe
(``dispatcher/webhooks``) or pull (``GET /v1/events``).

    contact log rows ─► projector (gaps: late commits) ─► outbound_events (seq) ─┬► feed
                                                                                  └► webhooks
"""
