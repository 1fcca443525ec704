"""`harvest readings`: check the reading-session files and print each running order, without a build."""

from __future__ import annotations

from pathlib import Path

from harvest.cli.main import add_common, load_settings
from harvest.core.problems import HarvestError, Problem


def register(sub) -> None:
    readings = sub.add_parser(
        "readings",
        help="check reading sessions (stories/_readings/*.yml) and print their running orders with reading-aloud times",
    )
    add_common(readings)
    readings.set_defaults(run=run_readings)


def sessions_folder(config_file: Path, stories_dir: Path) -> Path:
    from harvest.readaloud.config import ReadAloudConfig
    from harvest.site.config import find_plugin_config
    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(config_file)
    options = find_plugin_config(config, ReadAloudConfig)
    if not isinstance(options, ReadAloudConfig):
        raise HarvestError(
            [
                Problem(
                    str(config_file),
                    None,
                    "plugins",
                    "the harvest-readaloud plugin is not enabled",
                    "add `- harvest-readaloud` under `plugins:`, after `- harvest`",
                )
            ]
        )
    return stories_dir / options.sessions_dir


def run_readings(args) -> int:
    from harvest.core.archive import publish, scan
    from harvest.readaloud.parts import format_duration
    from harvest.readaloud.sessions import load_session_files, plan_sessions

    settings = load_settings(args)
    folder = sessions_folder(Path(args.config_file), settings.stories_dir)
    collection = scan(settings)
    if collection.errors:
        raise HarvestError(collection.problems)
    found, problems = load_session_files(folder, settings)
    sessions, errors, notes = plan_sessions(found, publish(collection), {s.id for s in collection.stories})
    if problems or errors:
        raise HarvestError(problems + errors)
    for note in notes:
        print(note)
    for session in sessions:
        when = f" ({session.date.isoformat()})" if session.date else ""
        print(f"\n{session.title}{when} · readings/{session.name}/ · about {format_duration(session.seconds)} aloud")
        for number, item in enumerate(session.items, 1):
            print(
                f"  {number}. {item.story.title}"
                + (f" (from {item.story.origin.archive_name})" if item.story.origin else "")
                + f" — {item.reader or 'no reader set'} — {format_duration(item.seconds)}"
            )
    print(f"\n{len(sessions)} session(s) in profile '{settings.profile}', {len(notes)} left out")
    return 0
