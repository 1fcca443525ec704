"""`harvest serve` compiles each theme template once per process (`site.compiled`): the code is
used again by a later build's environment only when the template's source and the way that
environment compiles are the same."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from harvest.site.compiled import CompiledTemplates
from test_page_cache import first_serve_build, serve_build


def shout(text: str) -> str:
    return text.upper() + "!"


def whisper(text: str) -> str:
    return text.lower() + "..."


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The name of every template an environment compiles from its source."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return names


def environment(folder: Path, cache: CompiledTemplates, **filters) -> jinja2.Environment:
    """A new environment for each build, as MkDocs makes one."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)))
    env.filters.update(filters)
    cache.serve(env)
    return env


def test_a_later_environment_uses_the_code_and_an_edited_template_compiles_again(tmp_path, compiles):
    (tmp_path / "page.html").write_text("Hello {{ name }}", "utf-8")
    cache = CompiledTemplates()
    assert environment(tmp_path, cache).get_template("page.html").render(name="Ana") == "Hello Ana"
    assert environment(tmp_path, cache).get_template("page.html").render(name="Bo") == "Hello Bo"
    assert compiles == ["page.html"]
    (tmp_path / "page.html").write_text("Goodbye {{ name }}", "utf-8")
    assert environment(tmp_path, cache).get_template("page.html").render(name="Cy") == "Goodbye Cy"
    assert compiles == ["page.html", "page.html"]


@pytest.mark.parametrize(
    ("first", "second", "compiled_again", "shown"),
    [
        ({"loud": shout}, {"loud": shout}, False, "HI!"),
        # the compiler works `"hi" | loud` out while compiling: another function, another result
        ({"loud": shout}, {"loud": whisper}, True, "hi..."),
        ({"loud": shout}, {"loud": shout, "soft": whisper}, True, "HI!"),
        ({"loud": shout}, {"loud": lambda text: "made per build"}, True, "made per build"),
    ],
)
def test_filters_by_identity(tmp_path, compiles, first, second, compiled_again, shown):
    (tmp_path / "page.html").write_text('{{ "hi" | loud }}', "utf-8")
    cache = CompiledTemplates()
    assert environment(tmp_path, cache, **first).get_template("page.html").render() == "HI!"
    assert environment(tmp_path, cache, **second).get_template("page.html").render() == shown
    assert len(compiles) == (2 if compiled_again else 1)


def test_other_syntax_settings_compile_again(tmp_path, compiles):
    (tmp_path / "page.html").write_text("  {% if true %}x{% endif %}\n", "utf-8")
    cache = CompiledTemplates()
    assert environment(tmp_path, cache).get_template("page.html").render() == "  x"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), lstrip_blocks=True, trim_blocks=True)
    cache.serve(env)
    assert env.get_template("page.html").render() == "x"
    assert len(compiles) == 2


def test_a_sandboxed_environment_compiles_again(tmp_path, compiles):
    from jinja2.sandbox import SandboxedEnvironment

    (tmp_path / "page.html").write_text("{{ name.upper() }}", "utf-8")
    cache = CompiledTemplates()
    assert environment(tmp_path, cache).get_template("page.html").render(name="ana") == "ANA"
    sandboxed = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    cache.serve(sandboxed)
    assert sandboxed.get_template("page.html").render(name="ana") == "ANA"
    assert len(compiles) == 2  # (the sandbox's code checks each call: not the plain code)


def test_serve_rebuild_compiles_only_what_changed_and_shows_an_edited_override(tmp_path, monkeypatch, compiles):
    project, site = first_serve_build(tmp_path, monkeypatch)
    first = len(compiles)
    assert first > 20  # Material's templates and partials, and Harvest's
    compiles.clear()
    serve_build(project, site, dirty=True)
    # Only templates made from a string (they have no file to check) compile again.
    assert [name for name in compiles if name is not None] == []
    main = project / "overrides" / "main.html"
    assert not main.exists()  # (the sample has no override of it: Material's own is used)
    main.write_text('{% extends "base.html" %}\n{% block announce %}Assembly at noon{% endblock %}\n', "utf-8")
    compiles.clear()
    serve_build(project, site, dirty=True)
    assert [name for name in compiles if name is not None] == ["main.html"]
    assert "Assembly at noon" in (site / "index.html").read_text("utf-8")
