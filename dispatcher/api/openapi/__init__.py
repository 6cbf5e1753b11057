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
    ACTIVE,
    FILTERS,
    TEXT100,
    TIME,
    Json,
    body,
    json_response,
    operation,
    page_size,
    path,
    problem,
    query,
    ref,
    text_response,
)
from dispatcher.api.openapi.collectors import work_paths
from dispatcher.api.openapi.document import (
    TAGS,
    build,
    components,
    each_once,
    paths,
    render,
    tagged,
)

__all__ = [
    "ACTIVE",
    "FILTERS",
    "TAGS",
    "TEXT100",
    "TIME",
    "Json",
    "body",
    "build",
    "components",
    "each_once",
    "json_response",
    "operation",
    "page_size",
    "path",
    "paths",
    "problem",
    "query",
    "ref",
    "render",
    "tagged",
    "text_response",
    "work_paths",
]
