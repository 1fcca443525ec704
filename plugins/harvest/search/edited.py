"""`harvest index` after a few stories' text was edited: read those files alone.

A full update scans every story to learn what changed (from the story cache: ~2 s at 5,000
stories, most of it spent finding that nothing did). The stamps already say which story files
changed (`freshness.changed_story_files`, None when anything else did: settings, vocabularies,
the date, an image, the id ledger, a folder). When each changed file is a story the index holds,
and its front matter is what it was when it was indexed (`model.front_matter_digest`), nothing
that another story's document or the checks between stories (ids, duplicates, translations, the
ledger, page paths) read has changed. So those files alone are read and checked again, as `scan`
checks them (`archive.rescan_story`), published as `publish` publishes them, and made into
documents.

Anything else gives None, and the caller does the full update, which also reports any problem:
a problem of any level, a story added, removed or renamed, a field changed (title, lessons,
people, visibility, embargo...), a story in a version group, a peer's story, or more than
`MOST_EDITED` files (a checkout: the full update is as quick then).

Plain Python: no MkDocs.
"""

from __future__ import annotations

from harvest.core.archive import Archive, published_story, rescan_story
from harvest.core.model import front_matter_digest
from harvest.core.privacy import Credits, is_visible
from harvest.core.prompts import PromptMatcher
from harvest.core.settings import Settings
from harvest.search.documents import SearchDocument

MOST_EDITED = 20
# In the index manifest: `archive.front_matter_digests` of the stories it holds (the command line
# and the site build both write it).
STORIES_KEY = "stories"


def edited_documents(settings: Settings, manifest: dict, changed: set[str]) -> list[SearchDocument] | None:
    """The documents of the `changed` story files (paths in the stories folder; none when only
    folders changed), or None when anything but their text may have changed (see the module's doc)."""
    from harvest.core.vocab import load_lessons, load_registry
    from harvest.search.documents import document

    known, indexed = manifest.get(STORIES_KEY), manifest.get("documents")
    grouped = manifest.get("versions")
    if len(changed) > MOST_EDITED:
        return None
    if not isinstance(known, dict) or not isinstance(indexed, dict) or not isinstance(grouped, list):
        return None  # an index made before these were kept
    if any(not isinstance(known.get(rel), list) or known[rel][0] in grouped for rel in changed):
        return None  # a story the index does not hold (new, withheld, renamed) or one of several versions
    lessons, lesson_problems = load_lessons(settings)
    registry, registry_problems = load_registry(settings)
    if lesson_problems or registry_problems:
        return None
    matcher = PromptMatcher(settings.prompts)
    visible_ids = set(indexed)  # every story the profile saw then, and sees now: no field changed
    stories = []
    for rel in sorted(changed):
        story = rescan_story(settings, rel, lessons, registry)
        if story is None or [story.id, front_matter_digest(story)] != known[rel]:
            return None
        if not is_visible(story.visibility, story.embargo_until, settings):
            return None  # (cannot be, with the same front matter and date: never trusted, though)
        stories.append(published_story(story, settings, matcher, visible_ids))
    archive = Archive(settings, stories, lessons, Credits(registry, settings))
    return [document(archive, story, {}) for story in stories]
