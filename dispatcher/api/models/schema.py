"""OpenAPI ``components.schemas`` derived from the body models, one JSON Schema each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema

from dispatcher.api.models.base import Body

__all__ = ["component_schemas"]

REF_TEMPLATE = "#/components/schemas/{model}"


class _Components(GenerateJsonSchema):
    """Without a title on every property: the property's name says it."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def component_schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """Each model's schema and those it refers to, by name; requests as validated,
    answers as serialised."""
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation" if issubclass(m, Body) else "serialization") for m in models
    ]
    _, document = models_json_schema(modes, ref_template=REF_TEMPLATE, schema_generator=_Components)
    return dict(sorted(document.get("$defs", {}).items()))
