"""The one way a PATCH body refuses ``null``.

Only the fields sent change. ``null`` clears a field only where ``nullable_fields`` says it
may; for any other field it is a 422 ``validation_error`` whose ``details`` name the field
(``loc`` ends with it, ``msg`` "may not be null"), the same on every PATCH endpoint, instead
of a database error or a silent no-op.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

NOT_NULL_MESSAGE = "may not be null"


def _document_nulls(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The OpenAPI says what the validator does: ``null`` only for ``nullable_fields``
    (the fields are ``X | None`` in Python only so that they may be omitted)."""
    nullable: frozenset[str] = getattr(model, "nullable_fields", frozenset())
    for name, field in schema.get("properties", {}).items():
        options = field.get("anyOf")
        if name in nullable or options is None:
            continue
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            del field["anyOf"]
            field.update(kept[0])
        else:
            field["anyOf"] = kept
        if field.get("default", ...) is None:
            del field["default"]


class PatchModel(BaseModel):
    # Unknown fields are an error, so a typo never silently does nothing.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_nulls)

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable_fields:
            raise ValueError(NOT_NULL_MESSAGE)
        return value

    def changes(self) -> dict[str, Any]:
        """The fields sent, with their values."""
        return self.model_dump(exclude_unset=True)
