"""The catalog: lookup, versions, caching, errors, the sandbox and autoescaping."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from templates import (
    Rendered,
    TemplateCatalog,
    TemplateError,
    TemplateInfo,
    TemplateRenderError,
    UnknownTemplate,
)


def write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, "sms/en-US/greeting.j2", "Hello {{ name }}, from {{ company }}.\n")
    write(tmp_path, "sms/zh-CN/greeting.j2", "【{{ company }}】{{ name }}您好\n")
    write(tmp_path, "sms/en-US/notice.j2", "Notice for {{ name }}")
    write(tmp_path, "letter/en-US/final.html.j2", "<p>Dear {{ name }},</p>\n")
    return tmp_path


@pytest.fixture
def catalog(root: Path) -> TemplateCatalog:
    return TemplateCatalog(root)


def test_get_describes_a_template(catalog: TemplateCatalog, root: Path) -> None:
    info = catalog.get("sms", "greeting", "en-US")

    source = (root / "sms/en-US/greeting.j2").read_bytes()
    assert info == TemplateInfo(
        channel="sms",
        name="greeting",
        locale="en-US",
        version=hashlib.sha256(source).hexdigest()[:16],
        required_variables=frozenset({"name", "company"}),
    )


def test_render_an_sms_strips_the_body_and_counts_segments(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("sms", "greeting", "en-US", {"name": "Ann", "company": "Acme"})

    assert rendered.body == "Hello Ann, from Acme."
    assert rendered.segments is not None
    assert (rendered.segments.encoding, rendered.segments.segments) == ("GSM-7", 1)
    assert rendered.version == catalog.get("sms", "greeting", "en-US").version


def test_render_another_channel_has_no_segments(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("letter", "final", "en-US", {"name": "Ann"})
    assert rendered == Rendered(
        "letter", "final", "en-US", rendered.version, "<p>Dear Ann,</p>", None
    )


def test_extra_variables_are_ignored(catalog: TemplateCatalog) -> None:
    variables = {"name": "Ann", "company": "Acme", "unused": 1}
    assert catalog.render("sms", "greeting", "en-US", variables).body == "Hello Ann, from Acme."


def test_the_same_name_is_rendered_per_locale(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("sms", "greeting", "zh-CN", {"name": "张伟", "company": "安信"})
    assert rendered.body == "【安信】张伟您好"
    assert rendered.segments is not None and rendered.segments.encoding == "UCS-2"


def test_list_channels_and_locales(catalog: TemplateCatalog) -> None:
    assert [(i.channel, i.name, i.locale) for i in catalog.list()] == [
        ("letter", "final", "en-US"),
        ("sms", "greeting", "en-US"),
        ("sms", "greeting", "zh-CN"),
        ("sms", "notice", "en-US"),
    ]
    assert catalog.channels == ["letter", "sms"]
    assert catalog.locales == ["en-US", "zh-CN"]


def test_non_template_files_and_private_folders_are_not_listed(root: Path) -> None:
    write(root, "sms/en-US/README.md", "not a template")
    write(root, "sms/en-US/.hidden.j2", "x")
    write(root, "_drafts/en-US/draft.j2", "x")
    write(root, "sms/en-US/nested/deep.j2", "x")

    names = {(i.channel, i.name) for i in TemplateCatalog(root).list()}

    assert names == {("letter", "final"), ("sms", "greeting"), ("sms", "notice")}


def test_the_default_root_is_the_package_folder() -> None:
    catalog = TemplateCatalog()
    assert catalog.root == Path(__file__).resolve().parents[2] / "templates"
    assert "sms" in catalog.channels


# --- unknown templates -------------------------------------------------------


def test_unknown_channel(catalog: TemplateCatalog) -> None:
    with pytest.raises(UnknownTemplate, match=r"^no channel 'email'; known: letter, sms$") as e:
        catalog.get("email", "greeting", "en-US")
    assert (e.value.unknown, e.value.known) == ("channel", ("letter", "sms"))


def test_unknown_name(catalog: TemplateCatalog) -> None:
    with pytest.raises(UnknownTemplate) as e:
        catalog.render("sms", "foo", "en-US", {})
    assert str(e.value) == "no sms template 'foo'; known: greeting, notice"
    assert (e.value.channel, e.value.name, e.value.locale) == ("sms", "foo", "en-US")


def test_unknown_locale(catalog: TemplateCatalog) -> None:
    with pytest.raises(UnknownTemplate) as e:
        catalog.get("sms", "greeting", "fr-FR")
    assert str(e.value) == "sms template 'greeting' has no locale 'fr-FR'; available: en-US, zh-CN"
    assert e.value.unknown == "locale"


def test_an_empty_catalog_says_so(tmp_path: Path) -> None:
    with pytest.raises(UnknownTemplate, match=r"known: \(none\)"):
        TemplateCatalog(tmp_path / "missing").get("sms", "x", "en-US")


@pytest.mark.parametrize(
    ("channel", "name", "locale"),
    [
        ("sms", "../../secret", "en-US"),
        ("sms", "../../../secret", "en-US"),
        ("sms", "nested/deep", "en-US"),
        ("sms", "nested\\deep", "en-US"),
        ("sms", "..", "en-US"),
        ("sms", "greeting/../greeting", "en-US"),
        ("sms", str(Path("/etc/passwd")), "en-US"),
        ("sms", "greeting.j2", "en-US"),
        ("sms", "greeting", "../sms/en-US"),
        ("sms", "greeting", "en-US/.."),
        ("..", "secret", "."),
        ("sms/..", "secret", "en-US"),
        ("", "secret", ""),
    ],
)
def test_path_traversal_is_refused(root: Path, channel: str, name: str, locale: str) -> None:
    # Given files that a joined path would reach
    write(root, "secret.j2", "SECRET")
    write(root, "sms/secret.j2", "SECRET")
    write(root, "sms/en-US/nested/deep.j2", "SECRET")
    catalog = TemplateCatalog(root)

    with pytest.raises(UnknownTemplate):
        catalog.render(channel, name, locale, {})


def test_two_files_for_one_template_are_refused(root: Path) -> None:
    write(root, "sms/en-US/greeting.html.j2", "x")
    with pytest.raises(TemplateError, match="two files for one template"):
        TemplateCatalog(root).list()


# --- versions and caching ------------------------------------------------------


def test_the_version_changes_when_the_file_changes_after_reload(root: Path) -> None:
    catalog = TemplateCatalog(root)
    before = catalog.get("sms", "notice", "en-US").version

    write(root, "sms/en-US/notice.j2", "Notice for {{ name }}!")
    cached = catalog.get("sms", "notice", "en-US").version
    catalog.reload()
    after = catalog.render("sms", "notice", "en-US", {"name": "Ann"})

    assert cached == before
    assert after.version != before
    assert after.body == "Notice for Ann!"


def test_the_version_is_the_same_for_the_same_bytes(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    write(other, "sms/en-US/notice.j2", (root / "sms/en-US/notice.j2").read_text())
    assert (
        TemplateCatalog(other).get("sms", "notice", "en-US").version
        == TemplateCatalog(root).get("sms", "notice", "en-US").version
    )


def test_compiled_templates_are_cached_until_reload(root: Path) -> None:
    catalog = TemplateCatalog(root)
    catalog.render("sms", "notice", "en-US", {"name": "Ann"})

    (root / "sms/en-US/notice.j2").unlink()

    assert catalog.render("sms", "notice", "en-US", {"name": "Bo"}).body == "Notice for Bo"
    catalog.reload()
    with pytest.raises(UnknownTemplate):
        catalog.render("sms", "notice", "en-US", {"name": "Bo"})


def test_new_templates_appear_after_reload(root: Path) -> None:
    catalog = TemplateCatalog(root)
    catalog.list()
    write(root, "sms/en-US/later.j2", "later")

    catalog.reload()

    assert catalog.render("sms", "later", "en-US", {}).body == "later"


# --- render errors ---------------------------------------------------------------


def test_a_missing_variable_is_named(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError) as e:
        catalog.render("sms", "greeting", "en-US", {"name": "Ann"})
    assert e.value.variable == "company"
    assert e.value.problem == "missing variable 'company'"
    assert e.value.template == "sms/en-US/greeting"
    assert str(e.value) == "sms/en-US/greeting: missing variable 'company'"


def test_several_missing_variables_are_all_listed(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError) as e:
        catalog.render("sms", "greeting", "en-US", {})
    assert e.value.problem == "missing variables 'company', 'name'"
    assert e.value.variable == "company"


def test_a_variable_set_to_none_is_refused(catalog: TemplateCatalog) -> None:
    with pytest.raises(TemplateRenderError, match="variable 'name' is None") as e:
        catalog.render("sms", "greeting", "en-US", {"name": None, "company": "Acme"})
    assert e.value.variable == "name"


def test_a_variable_used_only_in_a_branch_is_still_required(root: Path) -> None:
    write(root, "sms/en-US/branch.j2", "{% if late %}Late: {{ days }}{% endif %}")
    with pytest.raises(TemplateRenderError) as e:
        TemplateCatalog(root).render("sms", "branch", "en-US", {"late": False})
    assert e.value.variable == "days"


def test_a_missing_attribute_is_a_render_error(root: Path) -> None:
    write(root, "sms/en-US/attr.j2", "{{ debtor.nickname }}")
    with pytest.raises(TemplateRenderError, match="nickname"):
        TemplateCatalog(root).render("sms", "attr", "en-US", {"debtor": {"name": "Ann"}})


def test_variables_set_inside_the_template_are_not_required(root: Path) -> None:
    write(root, "sms/en-US/set.j2", "{% set x = 2 %}{% for i in range(x) %}{{ i }}{% endfor %}")
    catalog = TemplateCatalog(root)
    assert catalog.get("sms", "set", "en-US").required_variables == frozenset()
    assert catalog.render("sms", "set", "en-US", {}).body == "01"


def test_a_syntax_error_is_a_render_error_with_the_line(root: Path) -> None:
    write(root, "sms/en-US/broken.j2", "line one\n{{ name }")
    with pytest.raises(TemplateRenderError, match=r"syntax error on line 2") as e:
        TemplateCatalog(root).get("sms", "broken", "en-US")
    assert e.value.template == "sms/en-US/broken"


def test_a_runtime_error_in_a_template_is_a_render_error(root: Path) -> None:
    write(root, "sms/en-US/divide.j2", "{{ 1 / n }}")
    with pytest.raises(TemplateRenderError, match="division by zero"):
        TemplateCatalog(root).render("sms", "divide", "en-US", {"n": 0})


def test_a_file_that_is_not_utf8_is_a_render_error(root: Path) -> None:
    (root / "sms/en-US/latin1.j2").write_bytes("Caf\xe9".encode("latin-1"))
    with pytest.raises(TemplateRenderError, match="not valid UTF-8"):
        TemplateCatalog(root).get("sms", "latin1", "en-US")


# --- the sandbox -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ name.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ items.append(4) }}",
        "{{ mapping.update(x=1) }}",
        "{{ mapping.pop('a') }}",
    ],
)
def test_the_sandbox_blocks_unsafe_access(root: Path, source: str) -> None:
    write(root, "sms/en-US/evil.j2", source)
    items = [1, 2, 3]
    mapping = {"a": 1}
    variables = {"name": "Ann", "items": items, "mapping": mapping}

    with pytest.raises(TemplateRenderError, match="blocked by the sandbox"):
        TemplateCatalog(root).render("sms", "evil", "en-US", variables)
    assert items == [1, 2, 3]
    assert mapping == {"a": 1}


# --- autoescaping ------------------------------------------------------------------


def test_html_templates_are_autoescaped(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("letter", "final", "en-US", {"name": "<b>Ann</b> & Bo"})
    assert rendered.body == "<p>Dear &lt;b&gt;Ann&lt;/b&gt; &amp; Bo,</p>"


def test_sms_templates_are_not_autoescaped(catalog: TemplateCatalog) -> None:
    rendered = catalog.render("sms", "notice", "en-US", {"name": "<b>Ann</b> & Bo"})
    assert rendered.body == "Notice for <b>Ann</b> & Bo"


def test_a_plain_j2_letter_is_not_autoescaped(root: Path) -> None:
    write(root, "letter/en-US/plain.j2", "{{ name }}")
    rendered = TemplateCatalog(root).render("letter", "plain", "en-US", {"name": "A & B"})
    assert rendered.body == "A & B"
