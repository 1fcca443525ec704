"""`harvest serve` cuts each answer out of its story's cut once while that cut is the one shown
(`storyhtml.AnswerMemo`): what the Answers pages show is what `StoryHtml.answer` gives, and an
edited story's answers are cut again."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from harvest.core.prompts import Section
from harvest.site.storyhtml import AnswerMemo, StoryHtml
from test_page_cache import first_serve_build, serve_build


def section(heading: str) -> Section:
    return Section(heading, heading.lower(), f"{heading} text", 3, 2)


@pytest.fixture
def cuts(monkeypatch) -> list[str]:
    """The story of every answer the memo had `StoryHtml.answer` cut (a story's id, else its
    first heading). Under `serve` the feeds and emails take theirs from the memo too."""
    seen: list[str] = []
    original = StoryHtml.answer

    def counted(self, story, part):
        if sys._getframe(1).f_code.co_qualname == "AnswerMemo.answer":
            seen.append(getattr(story, "id", None) or story.sections[0].heading)
        return original(self, story, part)

    monkeypatch.setattr(StoryHtml, "answer", counted)
    return seen


def test_answers_are_those_of_the_cut_and_cut_once_while_the_cut_is_kept(cuts):
    sections = [section("Surprise"), section("Stepped")]
    story = SimpleNamespace(sections=sections)
    cut = StoryHtml(["<p>Opening</p>", "<h2>Surprise</h2>\n<p>Rain</p>", "<h2>Stepped</h2>\n<p>Ana</p>"], "")
    memo = AnswerMemo()
    assert [memo.answer(cut, story, s) for s in sections] == ["<p>Rain</p>", "<p>Ana</p>"]
    memo.keep([cut])
    assert [memo.answer(cut, story, s) for s in sections] == ["<p>Rain</p>", "<p>Ana</p>"]
    assert len(cuts) == 2  # the second build cut nothing again
    edited = StoryHtml(["<p>Opening</p>", "<h2>Surprise</h2>\n<p>Snow</p>", "<h2>Stepped</h2>\n<p>Ana</p>"], "")
    assert memo.answer(edited, story, sections[0]) == "<p>Snow</p>"  # another cut: cut anew
    assert len(cuts) == 3
    # A cut whose parts do not match the story's sections has no answer, as StoryHtml says.
    whole = StoryHtml(["<p>All in one</p>"], "")
    assert memo.answer(whole, story, sections[1]) is None
    assert memo.answer(whole, story, sections[1]) is None
    assert len(cuts) == 4
    # A build without that cut lets its answers go: cut again if it comes back.
    memo.keep([edited])
    assert memo.answer(edited, story, sections[0]) == "<p>Snow</p>"
    assert len(cuts) == 4
    assert memo.answer(cut, story, sections[1]) == "<p>Ana</p>"
    assert len(cuts) == 5


def test_serve_rebuild_cuts_only_the_edited_storys_answers(tmp_path, monkeypatch, cuts):
    project, site = first_serve_build(tmp_path, monkeypatch)
    serve_build(project, site, dirty=True)  # (nothing changed: no Answers page rendered)
    story = project / "stories/2026/flood-drill.md"
    text = story.read_text("utf-8")
    old = "The first callers reached their contacts quickly"
    assert old in text
    # The first rebuild that renders the Answers pages cuts every answer out of the cuts kept
    # since (the first build's were made from its rendered pages, not from its stored entries).
    story.write_text(text.replace(old, "The first callers got through"), "utf-8")
    serve_build(project, site, dirty=True)
    assert len(set(cuts)) > 5
    cuts.clear()
    story.write_text(text.replace(old, "The first callers got through at once"), "utf-8")
    serve_build(project, site, dirty=True)
    assert cuts and set(cuts) == {"2026-03-flood-drill"}
    shown = "".join(p.read_text("utf-8") for p in Path(site, "answers").glob("*/index.html"))
    assert "The first callers got through at once" in shown and old not in shown


def test_serve_feeds_and_emails_take_their_answers_from_the_memo(tmp_path, monkeypatch):
    # Every digest and feed shows answers: without the memo a rebuild cut each of them out of its
    # compressed story again, edited or not (for the keys that tell whether a feed changed).
    every: list[str] = []
    original = StoryHtml.answer

    def counted(self, story, part):
        every.append(story.id)
        return original(self, story, part)

    project, site = first_serve_build(tmp_path, monkeypatch)
    story = project / "stories/2026/flood-drill.md"
    text = story.read_text("utf-8")
    old = "We also lacked a generator for the boathouse"  # in its answer to "missing": the digests'
    assert old in text
    story.write_text(text.replace(old, "We also lacked a pump for the boathouse"), "utf-8")
    serve_build(project, site, dirty=True)  # (the Answers pages rendered: every answer in the memo)
    monkeypatch.setattr(StoryHtml, "answer", counted)
    serve_build(project, site, dirty=True)  # nothing changed
    assert every == []
    story.write_text(text.replace(old, "We also lacked a quokka for the boathouse"), "utf-8")
    serve_build(project, site, dirty=True)
    assert every and set(every) == {"2026-03-flood-drill"}
    shown = [p.read_text("utf-8") for p in Path(site, "digests").rglob("*") if p.is_file()]
    assert any("a quokka for the boathouse" in text for text in shown)  # the digest and its email
    assert not any("a pump for the boathouse" in text or old in text for text in shown)
