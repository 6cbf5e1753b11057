"""The HTTP API's bodies, each declared once as a pydantic model.

From a model come the request's validation (``dispatcher.api.bodies.read_body``: every
problem with its field, and its index in a batch), the OpenAPI document's
``components.schemas`` (``schema.component_schemas``) and the answers' JSON.
"""

from __future__ import annotations

from dispatcher.api.models.base import Body, Shown
from dispatcher.api.models.problems import field_problems
from dispatcher.api.models.schema import component_schemas

__all__ = ["Body", "Shown", "component_schemas", "field_problems"]
