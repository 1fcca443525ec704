"""`harvest digest PERIOD` / `harvest digest --since DATE --until DATE`: one digest as email files."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from harvest.cli.main import UsageError, add_common, load_settings
from harvest.core.archive import load_archive
from harvest.core.fileio import write_files
from harvest.core.problems import HarvestError, did_you_mean
from harvest.core.safepaths import published_folders, refuse_output


def register(sub) -> None:
    digest = sub.add_parser(
        "digest",
        help="write one digest as a ready-to-send email (.eml, .html, .txt)",
        description="Write the digest of one period (or of any dates) as a multipart .eml ready to send, "
        "plus its HTML and plain-text parts on their own.",
    )
    add_common(digest)
    digest.add_argument(
        "period",
        nargs="?",
        metavar="PERIOD",
        help="2026-11 (a month), 2026-W05 (an ISO week), 2026-Q1 (a quarter), "
        "or the key of a range listed in mkdocs.yml",
    )
    digest.add_argument("--since", metavar="DATE", help="first day of an ad-hoc digest (default: the oldest story)")
    digest.add_argument("--until", metavar="DATE", help="last day of an ad-hoc digest (default: today)")
    digest.add_argument("--out", metavar="DIR", default=None, help="output folder (default: dist/digests/)")
    digest.set_defaults(run=run_digest)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: '{value}' is not a date like 2026-03-01") from None


def choose_period(args, options, archive):
    from harvest.digests.periods import PERIOD_EXAMPLES, date_range, parse_period

    if args.period and (args.since or args.until):
        raise UsageError("give either a PERIOD or --since/--until, not both")
    if args.period:
        named = {period.key: period for period in options.ranges}
        period = named.get(args.period) or parse_period(args.period)
        if period is None:
            hint = did_you_mean(args.period, named) if named else ""
            raise UsageError(f"'{args.period}' is not a period: use {PERIOD_EXAMPLES}" + (f" ({hint})" if hint else ""))
        return period
    if not (args.since or args.until):
        raise UsageError(f"name a PERIOD like {PERIOD_EXAMPLES}, or give --since DATE and/or --until DATE")
    until = _date(args.until, "--until") if args.until else archive.settings.today
    oldest = min((s.date for s in archive.stories), default=until)
    since = _date(args.since, "--since") if args.since else min(oldest, until)
    if until < since:
        raise UsageError(
            f"--until {until} is before --since {since}" + ("" if args.until else " (--until defaults to today)")
        )
    return date_range(since, until)


def run_digest(args) -> int:
    from harvest.digests.config import DigestsConfig, options_from
    from harvest.digests.digest import DigestOptions, digest_between, load_notes
    from harvest.digests.links import Links
    from harvest.digests.mail import render_email
    from harvest.digests.view import digest_view
    from harvest.site.config import find_plugin_config
    from harvest.site.project import load_mkdocs_config

    settings = load_settings(args)
    mkdocs_config = load_mkdocs_config(Path(args.config_file))
    if args.out:
        refuse_output(
            Path(args.out),
            "--out",
            [*published_folders(mkdocs_config), (Path(mkdocs_config.site_dir), "the site folder (site_dir)")],
        )
    plugin_config = find_plugin_config(mkdocs_config, DigestsConfig)
    options = options_from(plugin_config, settings) if isinstance(plugin_config, DigestsConfig) else DigestOptions()
    archive, _ = load_archive(settings)
    notes, problems = load_notes(settings)
    if problems:
        raise HarvestError(problems)
    period = choose_period(args, options, archive)
    digest = digest_between(archive, period, options, notes)
    if digest is None:
        print(
            f"harvest digest: no story from {period.span} is published in the '{settings.profile}' profile; "
            "no digest written",
            file=sys.stderr,
        )
        return 1
    links = Links(settings.site_url, mkdocs_config.use_directory_urls)
    if not links.absolute:
        print(
            "harvest digest: site_url is not set in mkdocs.yml, so the email has no links to the site", file=sys.stderr
        )
    email = render_email(
        digest_view(archive, digest, links.email_page),
        plugin_config.email_from if plugin_config else None,
        plugin_config.email_to if plugin_config else None,
    )
    out = Path(args.out) if args.out else settings.project_dir / "dist" / "digests"
    written = _write_all(
        out,
        {
            f"{period.key}.eml": email.eml,
            f"{period.key}.html": email.html.encode("utf-8"),
            f"{period.key}.txt": email.text.encode("utf-8"),
        },
    )
    print(
        f"{digest.title} ({settings.profile} profile): {len(digest.stories)} "
        f"{'story' if len(digest.stories) == 1 else 'stories'}"
    )
    for path in written:
        print(f"  wrote {path}")
    return 0


def _write_all(folder: Path, contents: dict[str, bytes]) -> list[Path]:
    """Every file under a temporary name first, then all renamed: never a half-written set."""
    try:
        return write_files(folder, contents)
    except OSError as error:
        raise HarvestError(f"cannot write into {folder}: {error.strerror}") from None
