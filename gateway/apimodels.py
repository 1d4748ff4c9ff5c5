"""The API's wire documents as pydantic models: their base, the order status and the errors.

The OpenAPI document's components are generated from these models and their siblings
(apimodels_rows, apimodels_links, apimodels_managed), so a status, a dataType or a format
is spelled once, in its own table, and read from there. Answers are validated by the
models in the tests (and against the document by schemathesis); requests are parsed by the
row and body parsers, whose limits the request models read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    RootModel,
)
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from shared.ids import BULK_ID_PREFIX
from shared.status import OrderStatus

Uid = str | int
BULK_ID_PATTERN = f"^{BULK_ID_PREFIX}[0-9a-f]{{24,}}$"
BulkId = Annotated[str, Field(pattern=BULK_ID_PATTERN)]


class Wire(BaseModel):
    """A document the API reads: camelCase on the wire, unknown fields ignored (as the
    parsers ignore them)."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True,
                              validate_by_alias=True, serialize_by_alias=True, frozen=True)


class Answer(Wire):
    """A document the API answers: every field it holds is named, nothing else."""

    model_config = ConfigDict(extra="forbid")


def left_out(**constraints: Any) -> Any:
    """A field a document may leave out, though never null: the model holds None for it,
    and its schema shows no default."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


def _no_default(schema: JsonDict) -> None:
    schema.pop("default", None)


@dataclass(frozen=True)
class OneOf:
    """A string one of the values its source table holds, read when a value is checked or a
    schema is generated (a format registered at start appears in both)."""

    values: Callable[[], Iterable[str]]

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["enum"] = list(self.values())
        return json_schema

    def _check(self, value: str) -> str:
        allowed = tuple(self.values())
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value


class Error(Answer):
    """Every refused request: the reason, and the HTTP status repeated."""

    error: str
    status: int = Field(ge=400, le=599)


class FailedFeatures(Answer):
    """Failed rows counted by the features they asked for (shared.orderdoc.FEATURE_KEYS)."""

    dynamic_qr: int = Field(ge=0)
    secured_qr: int = Field(ge=0)
    source_qr: int = Field(ge=0)


class Submitted(RootModel[BulkId]):
    """A batch accepted: its bulkId."""


class Status(Answer):
    """A batch's status document."""

    bulk_id: BulkId
    status: OrderStatus
    count: int = Field(ge=1)
    failed_features: FailedFeatures
    product: Literal["qr"]
    created_at: int
    updated_at: int
    processed: int = Field(ge=0, description="rows finished so far; equals count once "
                                             "completed")


class StatusList(Answer):
    """A page of the caller's batches, newest first; `next` is the cursor of the next."""

    items: list[Status]
    next: str | None


class Probe(Answer):
    """A health probe's answer."""

    status: str


class Unready(Answer):
    """Readiness refused: names the backing servers that failed."""

    status: Literal["unavailable"]
    failed: list[str]
