"""Every reason code a rule can produce has its text in every locale, and no text is stale.

The rules' source is walked: every ``code="..."`` given to a call, every ``code = "..."``
assignment, every value of a module's ``*_CODES`` table, and the default code of a
``RuleResult`` built without one (``allowed`` for an allow, else the rule id). Each
``RuleResult`` call either passes ``code`` or has a literal rule id.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatcher.i18n import LOCALES, has_key, placeholders
from dispatcher.i18n.catalog import catalog

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "dispatcher" / "sending" / "pipeline.py"
SOURCES = [*sorted((ROOT / "compliance").rglob("*.py")), PIPELINE]
_FACTORIES = {"allow", "block", "defer"}


def _result_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _FACTORIES
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "RuleResult"
        ):
            yield node


def _constants(node: ast.AST) -> set[str]:
    """The strings a code expression can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    return set()


def _codes_in(path: Path) -> dict[str, list[str]]:
    """Code → where it is produced, in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}

    def add(code: str, node: ast.AST) -> None:
        found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant | ast.IfExp):
                    for code in _constants(kw.value):
                        add(code, node)
        if isinstance(node, ast.Assign) and isinstance(
            node.value, ast.Constant | ast.IfExp | ast.Dict
        ):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "code":
                    for code in _constants(node.value):
                        add(code, node)
                if isinstance(target, ast.Name) and target.id.endswith("_CODES"):
                    assert isinstance(node.value, ast.Dict)
                    for value in node.value.values:
                        for code in _constants(value):
                            add(code, node)
    for call in _result_calls(tree):
        if any(kw.arg == "code" for kw in call.keywords):
            continue
        factory = call.func.attr  # type: ignore[attr-defined]
        if factory == "allow":
            add("allowed", call)
            continue
        rule_id = call.args[0] if call.args else None
        assert isinstance(rule_id, ast.Constant), (
            f"{path.relative_to(ROOT)}:{call.lineno}: RuleResult.{factory} needs code=..."
        )
        add(str(rule_id.value), call)
    return found


def _all_codes() -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    for path in SOURCES:
        for code, where in _codes_in(path).items():
            codes.setdefault(code, []).extend(where)
    return codes


def _catalog_codes(locale: str) -> set[str]:
    prefix = "reasons.code."
    return {k.removeprefix(prefix) for k in catalog(locale).texts if k.startswith(prefix)}


def test_the_walk_finds_the_rules_codes() -> None:
    codes = _all_codes()
    assert {"hours.outside", "hold.on_debtor", "cap.full", "collector.unknown"} <= set(codes)
    assert {"pause.all", "quiet.after_event", "message.expired", "risk.block"} <= set(codes)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_a_rule_produces_has_text(locale: str) -> None:
    missing = {
        code: where
        for code, where in _all_codes().items()
        if not has_key(locale, f"reasons.code.{code}")
    }
    assert not missing, f"{locale} reasons lack: {missing}"


def test_no_catalog_text_is_left_without_a_rule() -> None:
    stale = _catalog_codes("en-US") - set(_all_codes())
    assert not stale, f"reasons texts no rule produces: {sorted(stale)}"


def test_every_rule_has_a_name() -> None:
    tree_ids: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "id" for t in item.targets)
                        and isinstance(item.value, ast.Constant)
                    ):
                        tree_ids.add(str(item.value.value))
    assert "hours.allowed_window" in tree_ids
    for locale in LOCALES:
        unnamed = sorted(i for i in tree_ids if not has_key(locale, f"reasons.rule.{i}"))
        assert not unnamed, f"{locale}: rules without a name: {unnamed}"


def test_literal_params_cover_the_texts_placeholders() -> None:
    """Where a call names its params as a dict literal, the text asks for no other value
    (besides ``until``, the result's own, and the call's literal inputs)."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            kws = {kw.arg: kw.value for kw in call.keywords if kw.arg}
            code, params = kws.get("code"), kws.get("params")
            if not isinstance(code, ast.Constant) or not isinstance(params, ast.Dict):
                continue
            given = {str(k.value) for k in params.keys if isinstance(k, ast.Constant)}
            given |= set(kws) | {"until"}
            name = str(code.value)
            text = catalog("en-US").texts.get(f"reasons.code.{name}", "")
            unknown = placeholders(text) - given
            assert not unknown, f"{path.name}:{call.lineno} {name}: {sorted(unknown)}"
