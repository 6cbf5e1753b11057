"""The HTTP API under ``/v1``: strategy, collectors, compliance and operators, by API key.

Routes are in ``routes.py`` (mounted by ``dispatcher.web.create_app``), one module per
resource; the contract is ``openapi.json`` (served at ``/openapi.json``). Handlers only
validate, then read the contact log or enqueue through ``DispatcherClient``: nothing is
sent from here.
"""
