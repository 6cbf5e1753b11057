"""The OpenAPI 3.1 description of the HTTP API, built here and kept as ``openapi.json``.

    python -m dispatcher.api.openapi > dispatcher/api/openapi.json

A test checks that the file is what this package builds, and schemathesis checks that the
running server answers as the file says, with every role's key.

    builders.py     references, bodies, answers, parameters, ``operation``, the filters
    messages.py     messages and batches, cancelling them, the contact log's audit
    collectors.py   collectors, their calls and their visits (``work_paths``)
    debtors.py      debtors and accounts, holds, pauses
    service.py      templates, API keys, metrics, health and this document
    providers.py    Twilio's and Lob's signed callbacks
    document.py     the assembly: paths in order, tags, components, schemas, ``render``

Stats, outbound events and risk flags keep their part beside their feature
(``dispatcher/*/openapi.py``), built with ``builders``.
"""

from __future__ import annotations

from dispatcher.api.openapi.builders import (
    TEXT100,
    Json,
    json_response,
    operation,
    page_size,
    path,
    query,
    ref,
)
from dispatcher.api.openapi.document import build, render

# What the features' own parts (stats, outbound events, risk flags) and the tests use.
__all__ = [
    "TEXT100",
    "Json",
    "build",
    "json_response",
    "operation",
    "page_size",
    "path",
    "query",
    "ref",
    "render",
]
