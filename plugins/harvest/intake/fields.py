"""The questions every contribution path asks, with the labels forms show.

The issue form, the site's form, CSV headings and the issue-body parser all use these
labels, so a form generated from them can be read back by `harvest intake`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harvest.core.prompts import normalize_heading
from harvest.core.settings import Settings


@dataclass(frozen=True)
class Field:
    name: str  # key in an answers dict, and the front-matter field
    label: str  # the form label (also the `### heading` of an issue body)
    help: str
    required: bool = True
    aliases: tuple[str, ...] = ()  # other headings accepted in CSV files and issue bodies


FIELDS = (
    Field("title", "Title", "A few words naming the story.", aliases=("story title", "story")),
    Field("date", "Date", "When it happened, as YYYY-MM-DD (for example 2026-03-14).", aliases=("when", "event date")),
    Field("event", "Kind of event", "What kind of event it was.", aliases=("event", "event kind", "kind")),
    Field("place", "Place", "A town or neighbourhood. Never a street address.", aliases=("where", "location")),
    Field("lessons", "Lessons", "What the story teaches: choose one or more.", aliases=("lesson",)),
    Field("summary", "Summary", "One sentence: what happened and what we learned.", aliases=("short summary",)),
    Field(
        "contributors",
        "Your handle or pseudonym (optional)",
        "Leave it empty to stay anonymous. Separate several with commas. "
        "The archive's maintainers decide how each person is credited.",
        required=False,
        aliases=("contributors", "contributor", "handle", "handles", "pseudonym", "credit"),
    ),
    Field(
        "visibility",
        "Who may read it",
        "Who may see the story once it is in the archive.",
        required=False,
        aliases=("visibility",),
    ),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
CONSENT_LABEL = "Before you send it"
CONSENT_OPTIONS = (
    "Everyone named in this story has agreed to be named.",
    "It holds no sensitive logistics: no addresses, routes, meeting times, plans or names of people at risk.",
)
VISIBILITY_HELP = {  # for the default level names; other names are shown as they are
    "public": "anyone who can open the archive",
    "members": "only the members' edition of the archive",
    "private": "only the full archive kept by the maintainers",
}


def heading_index(settings: Settings) -> dict[str, str]:
    """Normalised heading -> answers key: a field name, `prompt:<id>`, or `consent`.

    Prompt titles and aliases come first so a prompt can never be shadowed by a field alias.
    """
    index: dict[str, str] = {}
    for prompt in settings.prompts:
        for heading in (*prompt.headings, prompt.id):
            index.setdefault(normalize_heading(heading), f"prompt:{prompt.id}")
    for field in FIELDS:
        for heading in (field.label, field.name, *field.aliases):
            index.setdefault(normalize_heading(heading), field.name)
    index.setdefault(normalize_heading(CONSENT_LABEL), "consent")
    return index


def answer_keys(settings: Settings) -> list[str]:
    """Every key a mapping file may name: field names, then prompt ids."""
    return [f.name for f in FIELDS] + [p.id for p in settings.prompts if p.id not in FIELDS_BY_NAME]
