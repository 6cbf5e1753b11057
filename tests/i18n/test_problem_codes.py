"""Every field problem the API can answer with has a code, so a caller reads it in their
language: the source is read (``ast``) for each ``FieldProblem(...)``, and each code it
names must be in both ``problems.field`` catalogs with the parameters the call passes —
and, where the call's English can be rebuilt from its parameters, the en-US text must be
that English (the desk and older callers match it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dispatcher.i18n import LOCALES, has_key, placeholders, translate
from dispatcher.i18n.catalog import catalog

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("dispatcher", "compliance", "templates", "channels")

# Calls that build a problem with no code of their own, and why; by (file, function).
ALLOWED_WITHOUT_CODE = {
    ("dispatcher/errors.py", "of"): "InvalidRequest.of(field, problem): English only; its "
    "callers (CLI, settings, workspace forms, phones.py) do not answer the API's 422s in bulk",
    ("dispatcher/api/problems.py", "field"): "Problem.field(field, problem): English only; "
    "its callers (api/pauses.py, cancel.py, calls.py, collectors.py, risk_flags/api.py) are "
    "still to code",
    ("dispatcher/api/debtors.py", "_hold_target"): "the destination's problem comes from "
    "phones.e164, whose problems (debtors/phones.py) have no code yet",
    ("dispatcher/api/catalog.py", "_refuse_findings"): "approval findings "
    "(compliance/approval_checks.py) are English only; still to code",
}
# Calls whose code is a parameter of the function around them (a helper that builds the
# problem for its callers; each caller's code is checked where the helper is called).
CODE_PASSED_IN = {
    ("dispatcher/api/messages.py", "_recipient_problem"),
    ("dispatcher/api/bodies.py", "fail"),
    ("dispatcher/enqueue/requests.py", "check"),
    ("dispatcher/api/models/problems.py", "field_problems"),  # pydantic's, by _problem()
}
# Helpers that take a code, by the name they are called by -> (index of the English
# problem, index of the code or None when it is the ``code`` keyword); their other
# keywords are the parameters. Any ``<object>.fail`` is Fields' or Query's (field first).
CODE_HELPERS = {"check": (2, None), "fail": (0, 1)}
METHOD_HELPERS = {"fail": (1, 2)}
# Built elsewhere and passed through as a FieldProblem's code (``code=issue.code``).
PASSED_THROUGH = {"CredentialIssue"}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    function: str
    call: ast.Call

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line} ({self.function})"


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _calls(tree: ast.Module, path: str) -> Iterator[Site]:
    def walk(node: ast.AST, function: str) -> Iterator[Site]:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if isinstance(child, ast.Call):
                yield Site(path, child.lineno, function, child)
            yield from walk(child, name)

    yield from walk(tree, "<module>")


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else ""  # fmt: skip


SITES = [site for path, tree in _sources() for site in _calls(tree, path)]


def _argument(call: ast.Call, keyword: str, position: int | None) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _helper(call: ast.Call) -> tuple[int, int | None] | None:
    """Where a code-taking helper's English problem and code are; None for other calls."""
    if isinstance(call.func, ast.Attribute):
        return METHOD_HELPERS.get(call.func.attr)
    return CODE_HELPERS.get(call.func.id) if isinstance(call.func, ast.Name) else None


@dataclass(frozen=True)
class Coded:
    site: Site
    code: str
    params: dict[str, str] | None  # name -> its expression; None: not known from the source
    english: ast.expr | None


def _coded() -> list[Coded]:
    found = []
    for site in SITES:
        name, call = _name(site.call), site.call
        if name in ("FieldProblem", *PASSED_THROUGH):
            position = 3 if name == "FieldProblem" else None
            code = _argument(call, "code", position)
            raw = _argument(call, "params", 4 if name == "FieldProblem" else None)
            params: dict[str, str] | None = {}
            if isinstance(raw, ast.Dict):
                params = {
                    k.value: ast.unparse(v)
                    for k, v in zip(raw.keys, raw.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }  # fmt: skip
            elif raw is not None and not (isinstance(raw, ast.Constant) and raw.value is None):
                params = None
            english = _argument(call, "problem", 1) if name == "FieldProblem" else None
        elif (where := _helper(call)) is not None:
            problem_at, code_at = where
            code = _argument(call, "code", code_at)
            params = {kw.arg: ast.unparse(kw.value) for kw in call.keywords
                      if kw.arg is not None and kw.arg != "code"}  # fmt: skip
            english = call.args[problem_at] if len(call.args) > problem_at else None
        else:
            continue
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            found.append(Coded(site, code.value, params, english))
    return found


CODED = _coded()


def test_every_field_problem_has_a_code_or_a_named_reason() -> None:
    uncoded = []
    for site in SITES:
        if _name(site.call) != "FieldProblem":
            continue
        key = (site.path, site.function)
        code = _argument(site.call, "code", 3)
        if code is None or (isinstance(code, ast.Constant) and code.value is None):
            if key not in ALLOWED_WITHOUT_CODE:
                uncoded.append(site.where)
        elif isinstance(code, ast.Constant | ast.Attribute):
            continue  # a code, or another problem's passed through (``p.code``)
        elif key not in CODE_PASSED_IN:
            uncoded.append(f"{site.where}: code {ast.unparse(code)} is neither a literal "
                           "nor passed through")  # fmt: skip
    assert not uncoded, "FieldProblem without a code:\n" + "\n".join(uncoded)


def test_the_allow_lists_name_places_that_exist() -> None:
    functions = {(s.path, s.function) for s in SITES if _name(s.call) == "FieldProblem"}
    stale = (set(ALLOWED_WITHOUT_CODE) | CODE_PASSED_IN) - functions
    assert not stale, f"allowed, but no FieldProblem is built there any more: {stale}"


def test_the_source_uses_many_codes() -> None:  # the reading above finds what it should
    assert len({c.code for c in CODED}) >= 80
    assert any(c.code == "debtor.time_zone.unknown" for c in CODED)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_is_in_the_catalog_with_the_calls_params(locale: str) -> None:
    wrong = []
    for coded in CODED:
        key = f"problems.field.{coded.code}"
        if not has_key(locale, key):
            wrong.append(f"{coded.site.where}: no {locale} text for {key}")
            continue
        if coded.params is None:
            continue
        wanted = placeholders(catalog(locale).texts[key])
        if wanted != set(coded.params):
            wrong.append(f"{coded.site.where}: {key} takes {sorted(wanted)}, "
                         f"the call passes {sorted(coded.params)}")  # fmt: skip
    assert not wrong, "\n".join(wrong)


def _template(english: ast.expr, params: dict[str, str]) -> str | None:
    """The call's English as a catalog text (its parts named by the params that hold them),
    or None when a part is no parameter (a constant of the module, say)."""
    if isinstance(english, ast.Constant) and isinstance(english.value, str):
        return None if params else english.value  # the params' values are not in the source
    if not isinstance(english, ast.JoinedStr):
        return None
    by_expression = {expression: name for name, expression in params.items()}
    text = ""
    for part in english.values:
        if isinstance(part, ast.Constant):
            text += str(part.value).replace("{", "{{").replace("}", "}}")
            continue
        assert isinstance(part, ast.FormattedValue)
        shown = ast.unparse(part.value)
        shown = {114: f"repr({shown})", 115: f"str({shown})"}.get(part.conversion, shown)
        names = [n for e, n in by_expression.items() if e in (shown, f"str({shown})")]
        if part.format_spec is not None or not names:
            return None
        text += "{" + names[0] + "}"
    return text


def test_the_english_text_is_the_problem_as_raised() -> None:
    checked, wrong = 0, []
    english_texts = catalog("en-US").texts
    for coded in CODED:
        if coded.english is None or coded.params is None:
            continue
        template = _template(coded.english, coded.params)
        key = f"problems.field.{coded.code}"
        if template is None or key not in english_texts:
            continue
        checked += 1
        if template != english_texts[key]:
            wrong.append(f"{coded.site.where}: raised {template!r}, "
                         f"catalog {english_texts[key]!r}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert checked >= 60  # most calls' English can be rebuilt and compared


def test_a_coded_problem_reads_in_chinese() -> None:
    text = translate("zh-CN", "problems.field.debtor.time_zone.unknown", time_zone="'Mars/X'")
    assert text.startswith("未知时区 'Mars/X'")
