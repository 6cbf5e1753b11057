"""A debtor's contact data and preferences (``PUT /v1/debtors/{ref}``) and their answers.

The model checks each field's shape; what needs more than a shape (a time zone that
exists, rule packs that load, a number read in the debtor's locale, a time that is not
the whole week) stays in ``dispatcher.debtors.record.checked_debtor``, which every writer
of a debtor goes through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, WithJsonSchema

from compliance.packs import PHONE_TYPES
from dispatcher.api.models.base import Body, Shown, Stamp, named_enum
from dispatcher.domain import ChannelKind
from dispatcher.i18n.locales import LOCALES
from dispatcher.preferences.fields import MAX_TIMES, PLACE_HOLDS

__all__ = ["Debtor", "DebtorPreferences", "DebtorRequest", "PreferencesRequest"]

if TYPE_CHECKING:
    PhoneType = str
    PlaceName = str
    LocaleName = str
else:  # enums in the schema, one each
    PhoneType = named_enum("PhoneType", PHONE_TYPES)
    PlaceName = named_enum("InconvenientPlace", PLACE_HOLDS)
    LocaleName = named_enum("Locale", LOCALES)

# Strings kept as given: the record's own checks read them (and the log stores them so).
TimeText = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# In the schema; checked by the preferences, which name the list as a whole.
WEEKDAY = WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 6})
Country = Annotated[str, Field(pattern="^[A-Z]{2}$")]
Region = Annotated[str, Field(pattern="^[A-Z0-9]{1,8}$")]


class Phone(Body):
    """A debtor's number; consent is prior express consent to automated calls and texts."""

    number: Annotated[
        str,
        Field(min_length=1, max_length=32, description="E.164, or national in the debtor's locale"),
    ]
    type: PhoneType
    consent: bool = False
    consent_at: Annotated[
        TimeText | None, Field(description="When consent was given (needs consent)")
    ] = None


class HomeAddress(Body):
    lines: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=5)
    ]
    postal_code: Annotated[str | None, Field(max_length=20)] = None
    country: Country
    region: Region | None = None


class InconvenientTime(Body):
    """Local to the debtor; ``[start, end)``, an end at or before the start: the next day."""

    model_config = Body.model_config | {"json_schema_extra": lambda schema: _time_schema(schema)}
    weekdays: Annotated[
        list[Annotated[int, WEEKDAY]],
        Field(min_length=1, max_length=7, description="Monday 0 .. Sunday 6; default every day"),
    ] = None  # type: ignore[assignment]  # left out: every day (and not in the dump)
    start: Annotated[HHMM, Field(description="Local HH:MM; default 00:00")] = None  # type: ignore[assignment]
    end: Annotated[
        HHMM, Field(description="Local HH:MM, exclusive; at or before start: next day")
    ] = None  # type: ignore[assignment]


def _time_schema(schema: dict[str, Any]) -> None:
    # Left out is not null: a field given must be what it says, and one must be given.
    for field in schema["properties"].values():
        field.pop("default", None)
    schema["minProperties"] = 1
    schema["description"] = (
        '{"end": "10:00"}: not before 10:00; {"weekdays": [5, 6]}: not at weekends'
    )


class PreferencesRequest(Body):
    """What the debtor asked for. Left out: kept as it is; null: cleared."""

    inconvenient_times: Annotated[list[InconvenientTime] | None, Field(max_length=MAX_TIMES)] = None
    inconvenient_places: Annotated[
        list[PlaceName] | None,
        Field(description="work: no calls or texts to numbers typed work (a no_work_contact hold)"),
    ] = None
    preferred_channel: Annotated[ChannelKind | None, Field(description="Advisory")] = None
    preferred_locale: Annotated[
        LocaleName | None, Field(description="Templates' locale when a request names none")
    ] = None

    def stated(self) -> dict[str, Any]:
        """The preferences named in the body (null included), as JSON."""
        return self.model_dump(mode="json", include=self.model_fields_set, exclude_unset=True)


class DebtorRequest(PreferencesRequest):
    locale: Annotated[str | None, Field(pattern="^[a-z]{2,3}(-[A-Z]{2})?$")] = None
    time_zone: Annotated[
        str | None, Field(min_length=1, max_length=64, description="IANA, e.g. Asia/Shanghai")
    ] = None
    country: Country | None = None
    region: Region | None = None
    packs: Annotated[list[Annotated[str, Field(max_length=40)]] | None, Field(max_length=20)] = None
    phones: Annotated[list[Phone] | None, Field(max_length=20)] = None
    address: HomeAddress | None = None
    reason: Annotated[
        str | None,
        Field(
            min_length=1, max_length=2000, description="Why the preferences changed, for their log"
        ),
    ] = None

    def stated(self) -> dict[str, Any]:
        names = set(PreferencesRequest.model_fields) & self.model_fields_set
        return self.model_dump(mode="json", include=names, exclude_unset=True)


def _absent(value: Any) -> bool:
    return value is None


class PhoneShown(Shown):
    number: str
    type: str
    consent: bool
    consent_at: Annotated[
        str | None, Field(description="Only when consent was given", exclude_if=_absent)
    ] = None


class AddressShown(Shown):
    lines: list[str]
    postal_code: str | None
    country: str
    region: str | None


class InconvenientTimeShown(Shown):
    """As stored: every field filled in (``[start, end)``, local to the debtor)."""

    weekdays: Annotated[list[int], Field(description="Monday 0 .. Sunday 6")]
    start: Annotated[str, Field(description="Local HH:MM")]
    end: Annotated[str, Field(description="Local HH:MM, exclusive; at or before start: next day")]


class PreferencesShown(Shown):
    inconvenient_times: list[InconvenientTimeShown]
    inconvenient_places: list[str]
    preferred_channel: str | None
    preferred_locale: str | None


class Debtor(PreferencesShown):
    debtor_ref: str
    locale: str | None
    time_zone: str | None
    country: str | None
    region: str | None
    packs: list[str] | None
    phones: list[PhoneShown] | None
    address: AddressShown | None


class PreferenceChange(Shown):
    id: int
    debtor_ref: str
    at: Stamp
    by: str
    source: str
    reason: str
    changes: Annotated[dict[str, Any], Field(description='{field: {"from", "to"}}')]


class DebtorPreferences(PreferencesShown):
    debtor_ref: str
    changes: Annotated[
        list[PreferenceChange],
        Field(description="The preference log, oldest first: who, where from, why"),
    ]
