"""Rule packs: the numbers, windows and citations of each jurisdiction's contact rules, as data.

One TOML file per pack (``cn.toml``, ``us-regf.toml``, ...) next to this module; see
README.md for the schema. Load packs by id and compose them::

    packs = load_packs(packs_for("US", "MA"))      # us-regf, org, us-ma
    packs.allowed_hours("sms")                     # the intersection of their windows
    packs.strictest_caps("voice")                  # the caps that bind
    packs.versions                                 # {"us-regf": "...", ...}, for the verdict
"""

from compliance.packs.errors import (
    NoPacksForCountryError,
    PackError,
    PackFormatError,
    UnknownPackError,
)
from compliance.packs.loader import (
    BUILTIN_DIR,
    PackLoader,
    load_pack,
    load_packs,
    pack_dir_problems,
    read_pack,
    use_pack_dir,
)
from compliance.packs.model import (
    CHANNELS,
    DEBTOR_LOCAL,
    EVENTS,
    EXEMPTIONS,
    HOLD_KINDS,
    PHONE_TYPES,
    RISK_EFFECTS,
    RISK_FLAGS,
    CapRule,
    CapWindow,
    ConsentRule,
    ContentRule,
    HoldRule,
    HoursRule,
    HoursWindow,
    NumberKind,
    Pack,
    PackRule,
    QuietPeriodRule,
    RecordsRule,
    RiskFlagRule,
    Scope,
    StaffingRule,
    Status,
)
from compliance.packs.packset import AllowedHours, PackSet, strictest_caps
from compliance.packs.portfolio import DEFAULT_PACKS, REGIONAL_PACKS, packs_for

__all__ = [
    "BUILTIN_DIR",
    "CHANNELS",
    "DEBTOR_LOCAL",
    "DEFAULT_PACKS",
    "EVENTS",
    "EXEMPTIONS",
    "HOLD_KINDS",
    "PHONE_TYPES",
    "REGIONAL_PACKS",
    "RISK_EFFECTS",
    "RISK_FLAGS",
    "AllowedHours",
    "CapRule",
    "CapWindow",
    "ConsentRule",
    "ContentRule",
    "HoldRule",
    "HoursRule",
    "HoursWindow",
    "NoPacksForCountryError",
    "NumberKind",
    "Pack",
    "PackError",
    "PackFormatError",
    "PackLoader",
    "PackRule",
    "PackSet",
    "QuietPeriodRule",
    "RecordsRule",
    "RiskFlagRule",
    "Scope",
    "StaffingRule",
    "Status",
    "UnknownPackError",
    "load_pack",
    "load_packs",
    "pack_dir_problems",
    "packs_for",
    "read_pack",
    "strictest_caps",
    "use_pack_dir",
]
