"""No contact outside the allowed hours of the debtor's rule packs, in every zone they may be in.

Which packs: ``subject.packs``, or the defaults for the destination number's country.
Which zones: zones a pack fixes (cn: Asia/Shanghai for the whole country), plus — for
packs that measure at the debtor's location — the debtor's time zone on record, or else
every zone the phone number indicates and every zone the debtor's postal address
indicates (``zone_origins`` in the inputs says which zone came from where). The time
checked is the contact's own (``contact_at``: a visit's booked time) or else now.
Allowed then: allow. Otherwise: defer to the first instant the window is open in every
zone at once, or block when that never happens. (The pipeline refuses a visit rather
than move it: its time is booked.) A contact that lasts (a visit: the minutes its request
plans, else the packs' default) must lie inside the hours for its whole length; one that
starts inside but runs out is refused, naming the latest start that fits that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.gate import CheckSubject
from compliance.hours.duration import latest_start, whole_contact_allowed
from compliance.hours.instant import InconvenientTime, first_allowed_instant
from compliance.hours.zones import UnknownLocation, country_of, locate
from compliance.packs import AllowedHours, HoursWindow, PackError, PackSet, load_packs, packs_for
from compliance.verdict import RuleResult

__all__ = ["ContactHoursRule"]

PackSetLoader = Callable[[Iterable[str]], PackSet]


class ContactHoursRule:
    id = "hours.allowed_window"
    citation = (
        "Allowed contact hours of the debtor's rule packs "
        "(12 CFR 1006.6(b)(1)(i); GB/T 45251-2025; FCA CONC 7.9)"
    )
    citations = (
        (
            "zh-CN",
            "债务人适用规则包的允许联系时段"
            "（12 CFR 1006.6(b)(1)(i)；GB/T 45251-2025；FCA CONC 7.9）",
        ),
    )

    def __init__(self, *, pack_loader: PackSetLoader = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        return self.evaluate(
            subject,
            agreed_until=subject.agreed_until,
            inconvenient=[InconvenientTime(*t) for t in subject.inconvenient_times],
        )

    def evaluate(
        self,
        subject: CheckSubject,
        *,
        agreed_until: datetime | None = None,
        inconvenient: Sequence[InconvenientTime] = (),
    ) -> RuleResult:
        """``check``, plus what the subject does not carry yet: an agreed time, and times
        the debtor named as inconvenient (local to the debtor)."""
        try:
            packs = self.pack_loader(self._pack_ids(subject))
        except (PackError, UnknownLocation) as exc:
            return RuleResult.block(
                self.id, self.citation, f"no rule packs: {exc}",
                code="packs.unavailable", params={"error": str(exc)},
            )  # fmt: skip
        inputs: dict[str, Any] = {
            "channel": subject.channel,
            "packs": list(packs.ids),
            "pack_versions": packs.versions,
            "pack_files": packs.files,
        }
        hours = packs.allowed_hours(subject.channel)
        if hours is None:
            return RuleResult.allow(
                self.id,
                self.citation,
                f"no pack sets allowed hours for {subject.channel}",
                code="hours.none_for_channel",
                params={"channel": subject.channel},
                **inputs,
            )
        inputs |= {"window": str(hours), "window_from": [r.ref for r in hours.rules]}
        window = hours.window
        if window is None:
            return self._no_overlap(hours, inputs)
        zones = self._zones(subject, hours, inputs)
        if isinstance(zones, RuleResult):
            return zones
        return self._at_contact_time(
            subject, packs, hours, window, zones, inputs,
            agreed_until=agreed_until, inconvenient=inconvenient,
        )  # fmt: skip

    def _no_overlap(self, hours: AllowedHours, inputs: dict[str, Any]) -> RuleResult:
        return RuleResult.block(
            self.id,
            hours.citation,
            f"the allowed hours of {', '.join(hours.start_from + hours.end_from)} "
            f"do not overlap ({hours.start:%H:%M} is not before {hours.end:%H:%M})",
            citations=hours.citations,
            code="hours.no_overlap",
            params={"start": f"{hours.start:%H:%M}", "end": f"{hours.end:%H:%M}"},
            **inputs,
        )

    def _zones(
        self, subject: CheckSubject, hours: AllowedHours, inputs: dict[str, Any]
    ) -> list[ZoneInfo] | RuleResult:
        """The zones to check the time in, with their names and sources added to
        ``inputs``; or the block when the debtor's location or a zone is unknown."""
        try:
            names, zone_source, origins = self._zone_names(subject, hours)
            zones = [ZoneInfo(name) for name in names]
        except UnknownLocation as exc:
            return RuleResult.block(
                self.id, hours.citation, str(exc),
                citations=hours.citations,
                code="location.unknown", params={"error": str(exc)}, **inputs,
            )  # fmt: skip
        except (ZoneInfoNotFoundError, ValueError) as exc:
            return RuleResult.block(
                self.id, hours.citation, f"unknown time zone: {exc}",
                citations=hours.citations,
                code="hours.unknown_zone", params={"error": str(exc)}, **inputs,
            )  # fmt: skip
        inputs |= {"zones": list(names), "zone_source": zone_source, "zone_origins": origins}
        return zones

    def _at_contact_time(
        self,
        subject: CheckSubject,
        packs: PackSet,
        hours: AllowedHours,
        window: HoursWindow,
        zones: Sequence[ZoneInfo],
        inputs: dict[str, Any],
        *,
        agreed_until: datetime | None,
        inconvenient: Sequence[InconvenientTime],
    ) -> RuleResult:
        """Allow, defer or block the contact at its own time (else now), for its whole
        length when it lasts."""
        agreed = agreed_until if hours.agreed_times_override else None
        at = subject.contact_at or subject.now
        inputs |= {
            "checked_at": at.isoformat(),
            "local_times": _local_times(at, zones),
            "agreed_until": agreed.isoformat() if agreed else None,
            "agreed_until_ignored": agreed_until is not None and agreed is None,
            "inconvenient": [_shown(x) for x in inconvenient],
        }
        until = first_allowed_instant(
            at, zones, window, agreed_until=agreed, inconvenient=inconvenient
        )
        minutes = subject.contact_minutes or (
            packs.visit_minutes() if subject.channel == "visit" else None
        )
        if until == at and minutes:
            inputs["minutes"] = minutes
            inputs["minutes_from"] = "request" if subject.contact_minutes else "pack default"
            fits = whole_contact_allowed(
                at, minutes, zones, window, agreed_until=agreed, inconvenient=inconvenient
            )
            if not fits:
                return self._too_long(at, minutes, hours, zones, inconvenient, inputs)
        return self._decide(at, until, hours, zones, inputs)

    def _too_long(
        self,
        at: datetime,
        minutes: int,
        hours: AllowedHours,
        zones: Sequence[ZoneInfo],
        inconvenient: Sequence[InconvenientTime],
        inputs: dict[str, Any],
    ) -> RuleResult:
        """A contact that starts inside the hours but runs out of them is refused: it is
        booked for its time. The refusal names the latest start whose whole length fits."""
        assert hours.window is not None
        latest = latest_start(at, minutes, zones, hours.window, inconvenient=inconvenient)
        offer = "no start that day fits"
        code = "hours.too_long_no_start"
        params: dict[str, Any] = {
            "minutes": minutes, "window": str(hours), "zones": [z.key for z in zones],
        }  # fmt: skip
        if latest is not None:
            code = "hours.too_long"
            params["latest_start_at"] = latest
            shown = ", ".join(f"{t} {z}" for z, t in _local_times(latest, zones).items())
            offer = f"latest allowed start that day: {shown}"
        return RuleResult.block(
            self.id,
            hours.citation,
            f"the {minutes}-minute contact would run outside the allowed hours {hours} in "
            f"{', '.join(z.key for z in zones)}; {offer}",
            citations=hours.citations,
            code=code,
            params=params,
            **inputs,
            latest_allowed_start=latest.isoformat() if latest else None,
        )

    def _decide(
        self,
        at: datetime,
        until: datetime | None,
        hours: AllowedHours,
        zones: Sequence[ZoneInfo],
        inputs: dict[str, Any],
    ) -> RuleResult:
        names = ", ".join(zone.key for zone in zones)
        if until is None:
            return RuleResult.block(
                self.id,
                hours.citation,
                f"the allowed hours {hours} are never open in all of {names} at the same time",
                citations=hours.citations,
                code="hours.never_open",
                params={"window": str(hours), "zones": [zone.key for zone in zones]},
                **inputs,
            )
        if until == at:
            return RuleResult.allow(
                self.id, hours.citation, f"within the allowed hours {hours}",
                citations=hours.citations,
                code="hours.within", params={"window": str(hours)}, **inputs,
            )  # fmt: skip
        local_until = _local_times(until, zones)
        return RuleResult.defer(
            self.id,
            hours.citation,
            f"outside the allowed hours {hours} in {names}; next allowed "
            + ", ".join(f"{t} {zone}" for zone, t in local_until.items()),
            until,
            citations=hours.citations,
            code="hours.outside",
            params={"window": str(hours), "zones": [zone.key for zone in zones]},
            **inputs,
            until_local=local_until,
        )

    @staticmethod
    def _pack_ids(subject: CheckSubject) -> tuple[str, ...]:
        return subject.packs or packs_for(country_of(subject.destination))

    @staticmethod
    def _zone_names(
        subject: CheckSubject, hours: AllowedHours
    ) -> tuple[tuple[str, ...], str, dict[str, list[str]]]:
        """The zones, where they came from in a word, and each zone's own sources."""
        fixed = {zone: ["pack"] for zone in hours.fixed_zones}
        if not hours.debtor_local:
            return hours.fixed_zones, "pack", fixed
        where = locate(
            subject.destination,
            subject.debtor_time_zone,
            address_country=subject.debtor_address_country,
            address_region=subject.debtor_address_region,
        )
        if not hours.fixed_zones:
            return where.zones, where.source, where.origins
        origins = fixed
        for zone, sources in where.origins.items():
            origins[zone] = [*origins.get(zone, []), *sources]
        return tuple(origins), f"pack and {where.source}", origins


def _local_times(instant: datetime, zones: Sequence[ZoneInfo]) -> dict[str, str]:
    return {zone.key: instant.astimezone(zone).isoformat() for zone in zones}


def _shown(x: InconvenientTime) -> str:
    return f"weekdays {sorted(x.weekdays)} [{x.start:%H:%M}, {x.end:%H:%M})"
