"""Every problem the API can answer with has a code, so a caller reads it in their
language: the source is read (``ast``) for each call that builds one — ``FieldProblem``,
``InvalidRequest.of``, ``Problem.field``, ``Problem`` (its detail), the helpers that take
a code (``Query.fail``, ``check``) and what is built elsewhere and passed through (a
collector's credential, an approval finding, a call's or visit's ``Refusal``). Each code
must be in both ``problems`` catalogs (``field.<code>``; ``detail.<code>`` for a
``Problem``, ``detail.refusal.<code>`` for a refusal) with the parameters the call passes
— and, where the call's English can be rebuilt from its parameters, the en-US text must
be that English (the desk and older callers match it). A call without a code is named
with its reason in ``ALLOWED_WITHOUT_CODE``, or its file is an operator's."""

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
# None is left: a new one names itself and its reason here.
ALLOWED_WITHOUT_CODE: dict[tuple[str, str], str] = {}
# Files whose problems an operator reads in a terminal or a log, in English (and whose
# ``fail`` is not the API's Query's): never a caller of the HTTP API.
OPERATORS_FILES = {
    "compliance/packs/loader.py": "a rule pack refused as the process starts",
    "compliance/packs/table.py": "a rule pack refused as the process starts",
    "compliance/packs/rule_tables.py": "a rule pack refused as the process starts",
    "dispatcher/cli.py": "the command line's own arguments",
    "dispatcher/settings.py": "the environment's settings, refused as the process starts",
    "dispatcher/sending/providers.py": "the letter provider's settings",
    "dispatcher/workspace/cli.py": "the command line that adds people to the workspace",
    "dispatcher/workspace/access/people.py": "people are added and changed by the workspace's "
    "command line only (dispatcher/workspace/cli.py)",
}
# Calls whose code is a parameter of the function around them (a helper that builds the
# problem for its callers; each caller's code is checked where the helper is called).
CODE_PASSED_IN = {
    ("dispatcher/errors.py", "of"),  # InvalidRequest.of(field, problem, code=...)
    ("dispatcher/api/problems.py", "field"),  # Problem.field(field, problem, code=...)
    ("dispatcher/api/problems.py", "_problem_for"),  # aiohttp's 404 and 405, by status
    ("dispatcher/api/calls.py", "refused"),  # a Refusal's code, as refusal.<code>
    # A template that does not render, by its render error's code (template.<code>).
    ("dispatcher/enqueue/template_problems.py", "render_problem"),
    ("compliance/approval_checks.py", "_not_rendered"),
    ("dispatcher/api/messages.py", "_recipient_problem"),
    ("dispatcher/api/bodies.py", "fail"),
    ("dispatcher/enqueue/requests.py", "_check"),
    ("dispatcher/api/models/problems.py", "field_problems"),  # pydantic's, by _problem()
}


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


@dataclass(frozen=True)
class Builder:
    """Where a call that builds a problem has its English, its code and its parameters."""

    area: str  # the catalog table its code names: "field" (a field's problem) or "detail"
    english: int | None  # position of the English; None: not compared
    code: int | None  # position of the code; None: only the ``code`` keyword
    params: int | None = None  # position of ``params`` (else only the keyword) ...
    keywords_are_params: bool = False  # ... or the helper's other keywords are its params


FIELD_PROBLEM = Builder("field", 1, 3, 4)
ONE_FIELD = Builder("field", 1, None)  # InvalidRequest.of, Problem.field
DETAIL = Builder("detail", 1, None)  # Problem(status, detail, ...)
# Helpers that take a code, by the name they are called by; any ``<object>.fail`` is
# Query's (field first), ``fail`` alone a function handed one (``_timestamp``).
CODE_HELPERS = {
    "_check": Builder("field", 3, 4, keywords_are_params=True),  # enqueue: (problems, ok, ...)
    "fail": Builder("field", 0, 1, keywords_are_params=True),
}
METHOD_HELPERS = {"fail": Builder("field", 1, 2, keywords_are_params=True)}
# Built elsewhere and passed through as a problem's code (``code=issue.code``): a
# collector's credential, and a call or visit that takes no outcome (a Refusal).
REFUSAL = Builder("detail.refusal", 0, None, keywords_are_params=True)
PASSED_THROUGH = {
    "CredentialIssue": Builder("field", None, None),
    "ApprovalFinding": Builder("field", 1, 2, 3),  # a reason not to approve a template
    # A body model's own check: its error type is the code (api/models/problems.py).
    "PydanticCustomError": Builder("field", 1, 0, 2),
    "OutcomeConflict": REFUSAL,
    "NotOnTheCall": REFUSAL,
}


def _builder(site: Site) -> Builder | None:
    """How ``site``'s call builds a problem; None if it builds none."""
    func = site.call.func
    if site.path in OPERATORS_FILES:
        return None
    if isinstance(func, ast.Name):
        if func.id == "FieldProblem":
            return FIELD_PROBLEM
        if func.id == "Problem":
            return DETAIL
        return PASSED_THROUGH.get(func.id) or _with_english(site, CODE_HELPERS.get(func.id))
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if (owner, func.attr) in (("InvalidRequest", "of"), ("Problem", "field")):
        return ONE_FIELD
    return _with_english(site, METHOD_HELPERS.get(func.attr))


def _with_english(site: Site, helper: Builder | None) -> Builder | None:
    """The helper, if the call passes it an English problem (``check()`` alone is
    another function of that name)."""
    if helper is None or helper.english is None or len(site.call.args) <= helper.english:
        return None
    return helper


BUILT = [(site, builder) for site in SITES if (builder := _builder(site)) is not None]


@dataclass(frozen=True)
class Coded:
    site: Site
    key: str  # problems.<area>.<code>
    params: dict[str, str] | None  # name -> its expression; None: not known from the source
    english: ast.expr | None

    @property
    def code(self) -> str:
        return self.key.split(".", 2)[2]


def _params(call: ast.Call, builder: Builder) -> dict[str, str] | None:
    if builder.keywords_are_params:
        return {kw.arg: ast.unparse(kw.value) for kw in call.keywords
                if kw.arg is not None and kw.arg != "code"}  # fmt: skip
    raw = _argument(call, "params", builder.params)
    if isinstance(raw, ast.Dict):
        return {
            k.value: ast.unparse(v)
            for k, v in zip(raw.keys, raw.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }  # fmt: skip
    if raw is None or (isinstance(raw, ast.Constant) and raw.value is None):
        return {}
    return None


def _english(call: ast.Call, builder: Builder) -> ast.expr | None:
    if builder.english is None:
        return None
    if builder is FIELD_PROBLEM:
        return _argument(call, "problem", 1)
    return call.args[builder.english] if len(call.args) > builder.english else None


def _coded() -> list[Coded]:
    found = []
    for site, builder in BUILT:
        code = _argument(site.call, "code", builder.code)
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            key = f"problems.{builder.area}.{code.value}"
            params, english = _params(site.call, builder), _english(site.call, builder)
            found.append(Coded(site, key, params, english))
    return found


CODED = _coded()


def test_every_problem_has_a_code_or_a_named_reason() -> None:
    uncoded = []
    for site, builder in BUILT:
        key = (site.path, site.function)
        code = _argument(site.call, "code", builder.code)
        if code is None or (isinstance(code, ast.Constant) and code.value is None):
            if key not in ALLOWED_WITHOUT_CODE:
                uncoded.append(f"{site.where}: {ast.unparse(site.call.func)}(...)")
        elif isinstance(code, ast.Constant | ast.Attribute):
            continue  # a code, or another problem's passed through (``p.code``)
        elif key not in CODE_PASSED_IN:
            uncoded.append(f"{site.where}: code {ast.unparse(code)} is neither a literal "
                           "nor passed through")  # fmt: skip
    assert not uncoded, "a problem without a code:\n" + "\n".join(uncoded)


def test_the_allow_lists_name_places_that_exist() -> None:
    functions = {(s.path, s.function) for s, _ in BUILT}
    stale = (set(ALLOWED_WITHOUT_CODE) | CODE_PASSED_IN) - functions
    assert not stale, f"allowed, but no problem is built there any more: {stale}"
    gone = {path for path in OPERATORS_FILES if not (ROOT / path).exists()}
    assert not gone, f"operators' files that are no more: {gone}"


def test_each_kind_of_call_is_read() -> None:  # the reading finds each builder's codes
    kinds = {(c.site.path, _name(c.site.call)) for c in CODED}
    for expected in [
        ("dispatcher/debtors/phones.py", "FieldProblem"),
        ("dispatcher/debtors/contact_data.py", "of"),
        ("dispatcher/api/pauses.py", "field"),
        ("dispatcher/api/bodies.py", "Problem"),
        ("dispatcher/api/messages.py", "fail"),
        ("compliance/rules/collectors.py", "CredentialIssue"),
        ("compliance/approval_checks.py", "ApprovalFinding"),
        ("dispatcher/calls_and_visits/visits.py", "NotOnTheCall"),
        ("dispatcher/webhooks/bodies.py", "PydanticCustomError"),
    ]:
        assert expected in kinds


def test_the_source_uses_many_codes() -> None:  # the reading above finds what it should
    assert len({c.code for c in CODED}) >= 80
    assert any(c.code == "debtor.time_zone.unknown" for c in CODED)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_is_in_the_catalog_with_the_calls_params(locale: str) -> None:
    wrong = []
    for coded in CODED:
        key = coded.key
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
        key = coded.key
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
