"""`harvest intake FILE…` (contributions into the review inbox) and `harvest forms` (the issue form)."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest.cli.main import UsageError, add_common, load_settings
from harvest.core.fileio import atomic_write
from harvest.core.safepaths import named_file_problem, refuse
from harvest.intake.check import load_vocabulary
from harvest.intake.inbox import inbox_folder, read_items, take_in
from harvest.intake.issueform import ISSUE_FORM_PATH, issue_form
from harvest.intake.spreadsheet import MAX_ROWS, load_column_mapping


def register(sub) -> None:
    intake = sub.add_parser(
        "intake",
        help="turn issue-form bodies, forge JSON or CSV rows into story files in stories/_inbox/",
        description="Reads each FILE (an issue body as .md/.txt, the forge's issue JSON, or a .csv export; "
        "'-' reads stdin), checks every contribution like `harvest check`, writes the good ones "
        "into stories/_inbox/ (never published) and reports what it wrote and what it rejected.",
    )
    add_common(intake, profile=False)
    intake.add_argument("files", nargs="+", metavar="FILE")
    intake.add_argument("--mapping", metavar="YAML", help="CSV column mapping (see README: Contributing a story)")
    intake.add_argument(
        "--max-rows",
        type=int,
        default=MAX_ROWS,
        metavar="N",
        help=f"refuse CSV files with more rows (default {MAX_ROWS})",
    )
    intake.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    intake.set_defaults(run=run_intake)

    forms = sub.add_parser("forms", help=f"write the forge issue form ({ISSUE_FORM_PATH}) from mkdocs.yml")
    add_common(forms, profile=False)
    forms.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="PATH",
        help=f"where to write it (default: {ISSUE_FORM_PATH} next to mkdocs.yml)",
    )
    forms.add_argument("--check", action="store_true", help="only check that the file is up to date (for CI)")
    forms.set_defaults(run=run_forms)


def run_intake(args) -> int:
    if args.max_rows < 1:
        raise UsageError("--max-rows must be at least 1")
    if args.mapping and not any(f.lower().endswith(".csv") for f in args.files):
        raise UsageError("--mapping only applies to .csv files")
    settings = load_settings(args)
    vocabulary = load_vocabulary(settings)
    if args.mapping:
        refuse(named_file_problem(Path(args.mapping), args.mapping, "--mapping"))
    mapping = load_column_mapping(Path(args.mapping), settings) if args.mapping else None
    folder = inbox_folder(settings)
    written = rejected = 0
    for name in args.files:
        items, notes = read_items(name, settings, mapping, args.max_rows)
        for note in notes:
            print(note)
        for outcome in take_in(
            items,
            settings,
            vocabulary,
            folder,
            date_format=mapping.date_format if mapping else None,
            dry_run=args.dry_run,
        ):
            if outcome.rejected:
                rejected += 1
                print(f"rejected {outcome.source}:")
            else:
                written += 1
                target = settings.display_path(outcome.path) if outcome.path else "(dry run: not written)"
                print(f"wrote {target} from {outcome.source}")
            for problem in outcome.problems:
                print(_indented(problem))
    verb = "would write" if args.dry_run else "wrote"
    print(f"intake: {verb} {written} to {settings.display_path(folder)}/, rejected {rejected}")
    return 1 if rejected else 0


def _indented(problem) -> str:
    """A problem under its source's line: the source is already named there."""
    text = f"  {problem.field}: {problem.message}" + ("" if problem.is_error else f" ({problem.severity})")
    return text + (f"\n      hint: {problem.hint}" if problem.hint else "")


def run_forms(args) -> int:
    settings = load_settings(args)
    text = issue_form(settings, load_vocabulary(settings))
    target = Path(args.output) if args.output else settings.project_dir / ISSUE_FORM_PATH
    if args.output:
        from harvest.core.safepaths import published_folders, refuse_output
        from harvest.site.project import load_mkdocs_config

        config = load_mkdocs_config(Path(args.config_file))
        refuse_output(
            target, "--output", [*published_folders(config), (Path(config.site_dir), "the site folder (site_dir)")]
        )
    shown = settings.display_path(target)
    current = target.read_text("utf-8") if target.is_file() else None
    if args.check:
        if current != text:
            print(f"{shown} is out of date with mkdocs.yml: run `harvest forms` and commit it", file=sys.stderr)
            return 1
        print(f"{shown} is up to date")
        return 0
    if current == text:
        print(f"{shown} is up to date")
        return 0
    atomic_write(target, text)
    print(f"wrote {shown}")
    return 0
