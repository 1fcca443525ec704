"""`harvest import SOURCE`: bring an existing blog, JSON dataset or spreadsheet into the review queue."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from harvest.cli.main import add_common, load_settings
from harvest.core.problems import sort_key


def register(sub) -> None:
    from harvest.importer import KINDS

    parser = sub.add_parser(
        "import",
        help="import blog posts, JSON records or CSV rows as stories (into stories/_inbox/)",
        description="Import an existing collection as stories for review. Re-running updates the stories it "
        "wrote before (unless someone edited them) instead of duplicating them.",
    )
    parser.add_argument(
        "source",
        metavar="SOURCE",
        type=Path,
        help="a folder of posts (Jekyll, Hugo, Material blog), a .json file or folder, or a .csv file",
    )
    parser.add_argument("--kind", choices=KINDS, help="what SOURCE is (guessed when left out)")
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="YAML file mapping source fields, tags, authors and defaults (see README)",
    )
    parser.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help="folder inside the stories folder to write to (default: stories/_inbox)",
    )
    parser.add_argument("--event", metavar="KIND", help="event kind for items that do not say (blogs never do)")
    parser.add_argument(
        "--place",
        metavar="PLACE",
        type=_place,
        help="place for items that do not say (default: none; pages then show no place)",
    )
    parser.add_argument(
        "--assets",
        type=Path,
        metavar="DIR",
        help="folder the old site served its images from, when it is not the source's own "
        "(Jekyll site root, Hugo static/ and page bundles, MkDocs docs_dir are searched anyway)",
    )
    parser.add_argument(
        "--fetch-remote-images",
        action="store_true",
        help="fetch images the posts load from other sites once, now, and keep them next to the "
        "story without metadata (default: they stay links)",
    )
    parser.add_argument(
        "--add-lessons",
        action="store_true",
        help="add tags that match no lesson to the lessons file, with a placeholder description",
    )
    parser.add_argument(
        "--add-contributors", action="store_true", help="add unknown authors to the contributors registry as anonymous"
    )
    parser.add_argument("--drafts", action="store_true", help="import drafts too (skipped by default)")
    parser.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    add_common(parser, profile=False)
    parser.set_defaults(run=run_import_command)


def _place(value: str) -> str:
    if not value.strip() or len(value) > 120:
        raise argparse.ArgumentTypeError("--place needs a place name of at most 120 characters")
    return value.strip()


def run_import_command(args) -> int:
    from harvest.importer import Options, run_import

    settings = load_settings(args)
    report = run_import(
        settings,
        Options(
            source=args.source,
            kind=args.kind,
            mapping=args.mapping,
            into=args.into,
            dry_run=args.dry_run,
            add_lessons=args.add_lessons,
            add_contributors=args.add_contributors,
            event=args.event,
            place=args.place,
            drafts=args.drafts,
            assets=args.assets,
            fetch_remote_images=args.fetch_remote_images,
        ),
    )
    print(format_report(report))
    return 0


def format_report(report) -> str:
    lines = [
        f"{'dry run — nothing written: ' if report.dry_run else ''}importing {report.source} "
        f"({report.kind}) into {report.target}"
    ]
    if report.notes:
        lines += ["", "Changes and warnings:"]
        lines += ["  " + note.format().replace("\n", "\n  ") for note in sorted(report.notes, key=sort_key)]
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    if skipped:
        lines += ["", "Skipped:"]
        for outcome in sorted(skipped, key=lambda o: (o.display, o.line or 0)):
            where = f"{outcome.display}:{outcome.line}" if outcome.line else outcome.display
            lines.append(f"  {where}: {outcome.reason}" + (f"\n      hint: {outcome.hint}" if outcome.hint else ""))
    kept = [o for o in report.outcomes if o.status == "kept"]
    if kept:
        lines += ["", "Kept (edited since the last import, not overwritten):"]
        lines += [f"  {o.target}" for o in kept]
    verb = "would be " if report.dry_run else ""
    counts = Counter(o.status for o in report.outcomes)
    lines += ["", "Summary:"]
    for status, label in (
        ("imported", "imported (new)"),
        ("updated", "updated"),
        ("unchanged", "unchanged"),
        ("kept", "kept (edited)"),
        ("skipped", "skipped"),
    ):
        lines.append(f"  {label:<16}{counts.get(status, 0):>6}")
    lines.append(f"  {'total':<16}{len(report.outcomes):>6}")
    if report.unmapped_tags:
        shown = ", ".join(f"{tag} ×{n}" for tag, n in report.unmapped_tags.most_common(20))
        more = len(report.unmapped_tags) - 20
        lines += ["", f"Tags that match no lesson: {shown}" + (f", and {more} more" if more > 0 else "")]
        if report.added_lessons:
            lines.append(
                f"  {verb}added to {report.lessons_file}: {', '.join(report.added_lessons)} "
                "(give each a real description)"
            )
        else:
            lines.append("  map them under `lessons:` in a mapping file (--mapping), or add them with --add-lessons")
    if report.unknown_contributors:
        shown = ", ".join(f"{h} ×{n}" for h, n in report.unknown_contributors.most_common(20))
        lines += ["", f"Authors not in {report.contributors_file}: {shown}"]
        if report.added_contributors:
            lines.append(
                f"  {verb}added as anonymous: ask each how they want to be credited, then edit "
                f"{report.contributors_file}"
            )
        else:
            lines.append(
                "  they are shown as anonymous until added; add them with their credit rule, "
                "or run again with --add-contributors (adds them as anonymous)"
            )
    if not report.dry_run and (counts.get("imported") or counts.get("updated")):
        lines += [
            "",
            f"Next: review the stories in {report.target}, then move them into the archive "
            "(e.g. stories/2019/) and run `harvest check`.",
        ]
    return "\n".join(lines)
