"""What a build profile will withhold, for an archivist to review before publishing
(`harvest check --profile NAME`), and warnings about sensitive source files."""

from __future__ import annotations

from harvest.core.archive import Collection
from harvest.core.images import has_gps, story_image_files
from harvest.core.privacy import is_visible, pseudonym_keys
from harvest.core.problems import WARNING, Problem


def image_warnings(collection: Collection) -> list[Problem]:
    settings = collection.settings
    problems = []
    root = settings.stories_dir.resolve()
    for story in collection.stories:
        for ref, file in story_image_files(settings.stories_dir, story, root):
            if has_gps(file):
                problems.append(
                    Problem(
                        settings.display_path(settings.stories_dir / story.path),
                        None,
                        "images",
                        f"'{ref}' carries a GPS location",
                        "Harvest strips it from every build, but the original "
                        "in the repository still has it: remove the location from the source file too "
                        "(e.g. `exiftool -gps:all= FILE`)",
                        WARNING,
                    )
                )
    return problems


def withheld_report(collection: Collection) -> list[str]:
    """Lines saying what the collection's profile leaves out or changes, and why."""
    settings = collection.settings
    levels = settings.visibility_levels
    allowed = levels.index(settings.profile_level)
    lines = []
    for story in sorted(collection.stories, key=lambda s: s.path):
        where = settings.display_path(settings.stories_dir / story.path)
        if story.path.startswith("_inbox/"):
            lines.append(f"{where}: in the review inbox (never published until moved out of _inbox/)")
            continue
        if not is_visible(story.visibility, story.embargo_until, settings):
            reason = (
                f"visibility {story.visibility}"
                if levels.index(story.visibility) > allowed
                else f"embargoed until {story.embargo_until}"
            )  # a date prints as YYYY-MM-DD
            lines.append(f"{where}: whole story withheld ({reason})")
            continue
        for span in story.redactions:
            if levels.index(span.level) > allowed:
                lines.append(f"{where}:{span.line}: passage withheld ([[redact {span.level}]])")
    if settings.profile_level != settings.top_level:
        hidden = {}
        for story in collection.stories:
            if is_visible(story.visibility, story.embargo_until, settings):
                for handle in story.contributors:
                    entry = collection.registry.get(handle)
                    if entry is None and handle in pseudonym_keys(collection.registry):
                        continue  # credited by the pseudonym itself: nothing hidden
                    if entry is None:
                        hidden[handle] = "not in the registry: shown as anonymous"
                    elif entry.credit == "anonymous":
                        hidden[handle] = "credit anonymous"
                    elif entry.credit == "pseudonym":
                        hidden[handle] = f"shown as '{entry.pseudonym}'"
        lines += [f"contributor {handle}: {why}" for handle, why in sorted(hidden.items())]
    return lines
