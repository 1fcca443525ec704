"""What the "Contribute a story" page shows and its script needs, from the archive's settings."""

from __future__ import annotations

import json

from harvest.core.archive import Archive
from harvest.core.privacy import pseudonym_keys
from harvest.core.text import slugify
from harvest.core.validate import story_schema
from harvest.intake.compose import MAX_ANSWER_CHARS
from harvest.intake.fields import CONSENT_OPTIONS, FIELDS_BY_NAME, VISIBILITY_HELP
from harvest.intake.issueform import ISSUE_TITLE_PREFIX

MAX_MAILTO = 2000  # characters of a whole mailto: URL that mail clients and browsers reliably pass on


def public_pseudonyms(archive: Archive) -> list[dict]:
    """Registered pseudonyms this profile already shows on a story: {key, label} only.

    Never a handle (the key is the pseudonym's own slug, see privacy.pseudonym_keys) and never a
    name: someone who chose a pseudonym is findable by it and by nothing else. A pseudonym only
    withheld stories use stays off the page, like their lessons."""
    registry = archive.credits.registry
    keys = pseudonym_keys(registry)
    shown: dict[str, str] = {}
    for story in archive.stories:
        for handle in story.contributors:
            entry = registry.get(handle)
            if entry is not None and entry.credit == "pseudonym":
                shown.setdefault(slugify(entry.pseudonym), entry.pseudonym)
            elif entry is None and handle in keys:
                shown.setdefault(handle, keys[handle])
    return [{"key": key, "label": label} for key, label in sorted(shown.items(), key=lambda kv: kv[1].casefold())]


def issue_fields(archive: Archive) -> dict:
    """The issue form's field ids (intake/issueform.issue_form), for the script's prefilled link."""
    return {
        "titlePrefix": ISSUE_TITLE_PREFIX,
        "eventLabels": dict(archive.settings.event_kinds),
        "lessonTitles": {key: lesson.title for key, lesson in archive.lessons.items()},
    }


def page_data(archive: Archive, channels: dict, title: str) -> dict:
    settings = archive.settings
    levels = list(settings.visibility_levels)
    lengths = {name: story_schema()["properties"][name]["maxLength"] for name in ("title", "place", "summary")}
    script = {
        "prompts": [{"id": p.id, "title": p.title} for p in settings.prompts],
        "publicLevel": levels[0],
        "topLevel": levels[-1],
        "defaultVisibility": settings.default_visibility,
        "maxLength": lengths,
        "maxAnswer": MAX_ANSWER_CHARS,
        "maxMailto": MAX_MAILTO,
        "forge": channels.get("forge"),
        "email": channels.get("email"),
        "issueForm": channels.get("issue_form"),
        "issue": issue_fields(archive) if channels.get("issue_form") else None,
        "pseudonyms": public_pseudonyms(archive),
    }
    return {
        "fields": FIELDS_BY_NAME,
        "prompts": settings.prompts,
        "event_kinds": settings.event_kinds,
        # the archive's lessons are those its published stories use: one only withheld stories use
        # would say what they are about
        "lessons": list(archive.lessons.values()),
        "levels": [(level, VISIBILITY_HELP.get(level, "")) for level in levels],
        "default_visibility": settings.default_visibility,
        "max_length": lengths,
        "max_answer": MAX_ANSWER_CHARS,
        "consent": CONSENT_OPTIONS,
        "title": title,
        "channels": channels,
        "forge": channels.get("forge"),
        "email": channels.get("email"),
        "issue_form": channels.get("issue_form"),
        "drop_point": channels.get("drop_point"),
        "pseudonyms": script["pseudonyms"],
        # inside <script type="application/json">: no '<' may close it, and no '&' entity games
        "script_json": json.dumps(script, ensure_ascii=False, sort_keys=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026"),
    }
