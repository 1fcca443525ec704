"""What a build profile may show: visibility, embargo, redaction and consent-based credit.

Everything public passes through here first, so the other modules only ever see
what the profile allows ("reveal achievements, hide infrastructure").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from harvest.core.problems import Problem
from harvest.core.settings import Settings
from harvest.core.text import slugify

REDACT_TAG = re.compile(r"\[\[(/?)redact(?:[ \t]+([^\]\s]+))?[ \t]*\]\]")
WITHHELD_MARK = '<span class="harvest-withheld">[withheld]</span>'
CREDIT_RULES = ("named", "pseudonym", "anonymous")


@dataclass(frozen=True)
class RedactedSpan:
    level: str
    start: int  # offset of the opening tag
    end: int  # offset just past the closing tag
    inner: tuple[int, int]
    line: int


def find_redactions(
    body: str, body_line: int, settings: Settings, path: str
) -> tuple[list[RedactedSpan], list[Problem]]:
    """Balanced, non-nested `[[redact LEVEL]]…[[/redact]]` spans; anything else is an error."""
    levels = settings.visibility_levels
    spans, problems = [], []
    opening = None
    for match in REDACT_TAG.finditer(body):
        line = body_line + body.count("\n", 0, match.start())
        closing, level = match.group(1) == "/", match.group(2)
        if not closing:
            level = level or settings.top_level
            if opening is not None:
                problems.append(
                    Problem(
                        path,
                        line,
                        "body",
                        "redaction opened inside another redaction",
                        f"close the span opened on line {opening[2]} with [[/redact]] first",
                    )
                )
                continue
            if level not in levels[1:]:
                problems.append(
                    Problem(
                        path,
                        line,
                        "body",
                        f"unknown redaction level '{level}'",
                        "use [[redact]] (archive only) or [[redact LEVEL]] with LEVEL one of: " + ", ".join(levels[1:]),
                    )
                )
                level = settings.top_level  # still withhold it, and still report
            opening = (match, level, line)
        elif opening is None:
            problems.append(
                Problem(
                    path,
                    line,
                    "body",
                    "[[/redact]] without an opening [[redact]]",
                    "add [[redact]] where the withheld passage starts, or remove this tag",
                )
            )
        else:
            start_match, level, start_line = opening
            spans.append(
                RedactedSpan(level, start_match.start(), match.end(), (start_match.end(), match.start()), start_line)
            )
            opening = None
    if opening is not None:
        problems.append(
            Problem(
                path,
                opening[2],
                "body",
                "[[redact]] is never closed",
                "add [[/redact]] where the withheld passage ends; an open span would hide nothing",
            )
        )
    return spans, problems


def apply_redactions(body: str, spans: list[RedactedSpan], settings: Settings) -> str:
    """Withheld spans become a visible mark; spans the profile may see are kept and highlighted."""
    if not spans:
        return body
    allowed = settings.visibility_levels.index(settings.profile_level)
    pieces, cursor = [], 0
    for span in spans:
        pieces.append(body[cursor : span.start])
        if settings.visibility_levels.index(span.level) <= allowed:
            inner = body[span.inner[0] : span.inner[1]]
            label = f"redacted below the {span.level} level"
            if "\n\n" in inner.strip():
                pieces.append(
                    f'\n<div class="harvest-redacted" title="{label}" markdown="1">\n\n{inner.strip()}\n\n</div>\n'
                )
            else:
                pieces.append(f'<mark class="harvest-redacted" title="{label}">{inner}</mark>')
        else:
            pieces.append(WITHHELD_MARK)
        cursor = span.end
    pieces.append(body[cursor:])
    return "".join(pieces)


def strip_redaction_tags(text: str) -> str:
    return REDACT_TAG.sub("", text)


def is_visible(visibility: str, embargo_until: dt.date | None, settings: Settings) -> bool:
    """May a story with this visibility and embargo appear in the current profile at all?"""
    levels = settings.visibility_levels
    if levels.index(visibility) > levels.index(settings.profile_level):
        return False
    # An embargo hides the story from every profile but the top one until its date.
    return not (embargo_until and embargo_until > settings.today and settings.profile_level != settings.top_level)


@dataclass(frozen=True)
class Person:
    """How one contributor is shown: `key` names their page, `label` is the visible name."""

    key: str
    label: str


@dataclass(frozen=True)
class RegistryEntry:
    handle: str
    name: str
    credit: str
    pseudonym: str = ""


def pseudonym_keys(registry: Mapping[str, RegistryEntry]) -> dict[str, str]:
    """The slug of each registered pseudonym -> the pseudonym.

    A contributor may be credited by a registered pseudonym's slug (`spoke-collective`): the public
    "Contribute" page can match what someone types to a pseudonym without ever showing the handles
    behind it, and a collective pseudonym need not say which member wrote. A handle always wins
    over a pseudonym's slug (vocab refuses a pseudonym whose slug is another entry's handle)."""
    return {
        slugify(entry.pseudonym): entry.pseudonym
        for entry in registry.values()
        if entry.credit == "pseudonym" and slugify(entry.pseudonym)
    }


def is_registered(handle: str, registry: Mapping[str, RegistryEntry]) -> bool:
    return handle in registry or handle in pseudonym_keys(registry)


class Credits:
    """Maps handles to what a profile may show of them; `None` means anonymous."""

    def __init__(self, registry: Mapping[str, RegistryEntry], settings: Settings):
        self.registry = registry
        self.pseudonyms = pseudonym_keys(registry)
        self.full_view = settings.profile_level == settings.top_level  # the archivists' own copy

    def person(self, handle: str) -> Person | None:
        entry = self.registry.get(handle)
        if entry is None and handle in self.pseudonyms:  # credited by the pseudonym itself, in every view
            return Person(handle, self.pseudonyms[handle])
        if self.full_view:
            label = entry.name if entry and entry.name else handle
            return Person(slugify(handle), label)
        if entry is None or entry.credit == "anonymous":
            return None
        if entry.credit == "pseudonym":
            return Person(slugify(entry.pseudonym), entry.pseudonym)
        return Person(slugify(entry.name), entry.name)

    def people(self, handles: Iterable[str]) -> tuple[list[Person], int]:
        """-> (distinct credited people in order, number of anonymous contributors)."""
        shown, anonymous, seen = [], 0, set()
        for handle in handles:
            person = self.person(handle)
            if person is None:
                anonymous += 1
            elif person.key not in seen:
                seen.add(person.key)
                shown.append(person)
        return shown, anonymous
