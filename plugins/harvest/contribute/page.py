"""What the "Contribute a story" page shows and its script needs, from the archive's settings."""
from __future__ import annotations

import json

from harvest.core.archive import Archive
from harvest.core.validate import story_schema
from harvest.intake.compose import MAX_ANSWER_CHARS
from harvest.intake.fields import CONSENT_OPTIONS, FIELDS_BY_NAME, VISIBILITY_HELP


def page_data(archive: Archive, forge: dict | None, title: str) -> dict:
    settings = archive.settings
    levels = list(settings.visibility_levels)
    lengths = {name: story_schema()["properties"][name]["maxLength"] for name in ("title", "place", "summary")}
    script = {
        "prompts": [{"id": p.id, "title": p.title} for p in settings.prompts],
        "publicLevel": levels[0], "defaultVisibility": settings.default_visibility,
        "maxLength": lengths, "maxAnswer": MAX_ANSWER_CHARS, "forge": forge,
    }
    return {
        "fields": FIELDS_BY_NAME, "prompts": settings.prompts, "event_kinds": settings.event_kinds,
        # the archive's lessons are those its published stories use: one only withheld stories use
        # would say what they are about
        "lessons": list(archive.lessons.values()),
        "levels": [(level, VISIBILITY_HELP.get(level, "")) for level in levels],
        "default_visibility": settings.default_visibility, "max_length": lengths, "max_answer": MAX_ANSWER_CHARS,
        "consent": CONSENT_OPTIONS, "forge": forge, "title": title,
        # inside <script type="application/json">: no '<' may close it, and no '&' entity games
        "script_json": json.dumps(script, ensure_ascii=False, sort_keys=True)
        .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    }
