"""`harvest check`, `harvest build`, `harvest serve`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harvest.cli.main import add_cache_flag, add_common, load_settings
from harvest.core.archive import scan
from harvest.core.ids import unrecorded
from harvest.core.images import image_problems
from harvest.core.problems import sort_key, summarize
from harvest.core.withheld import image_warnings, withheld_report


def register(sub) -> None:
    check = sub.add_parser("check", help="validate every story and the vocabularies")
    add_common(check)
    check.add_argument(
        "--format",
        choices=["text", "github"],
        default="text",
        help="github: one workflow annotation per problem, for CI",
    )
    check.add_argument("--strict", action="store_true", help="warnings fail too (exit status 1)")
    add_cache_flag(check)
    check.add_argument(
        "--offline", metavar="SITE_DIR", help="instead: check a built site loads nothing from other hosts"
    )
    check.set_defaults(run=run_check)

    build = sub.add_parser("build", help="build the archive site (mkdocs build --strict)")
    add_common(build)
    build.add_argument("-d", "--site-dir", default=None, help="output folder (default: site/)")
    add_cache_flag(build)
    build.set_defaults(run=run_build)

    ids = sub.add_parser("ids", help="record every story's id in stories/ids.txt, so no later story takes it")
    add_common(ids, profile=False)
    ids.set_defaults(run=run_ids)

    serve = sub.add_parser("serve", help="preview the site with live reload")
    add_common(serve)
    serve.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", metavar="IP:PORT")
    add_cache_flag(serve)
    serve.set_defaults(run=run_serve)


def run_check(args) -> int:
    if args.offline:
        from harvest.cli.pack import run_offline_check

        return run_offline_check(args.offline)
    settings = load_settings(args)
    collection = scan(settings, include_inbox=True)
    collection.problems += image_warnings(collection) + image_problems(settings, collection.stories)
    collection.problems.sort(key=sort_key)
    if args.profile:
        report = withheld_report(collection)
        print(
            f"profile '{settings.profile}' will withhold or change:"
            if report
            else f"profile '{settings.profile}' withholds nothing"
        )
        for line in report:
            print(f"  {line}")
    for problem in collection.problems:
        print(problem.format_github() if args.format == "github" else problem.format())
    errors, warnings = summarize(collection.problems)
    new_ids = unrecorded(collection.stories, settings)
    print(
        f"checked {collection.files_seen} stories: {errors} error(s), {warnings} warning(s)"
        + (f"; {len(new_ids)} new id(s) to record with `harvest ids` once merged" if new_ids else ""),
        file=sys.stderr if args.format == "github" else sys.stdout,
    )
    return 1 if errors or (args.strict and warnings) else 0


def run_ids(args) -> int:
    from harvest.core.ids import ledger_file, record_ids

    settings = load_settings(args)
    collection = scan(settings)
    added, updated = record_ids(settings, collection.stories)
    ledger = settings.display_path(ledger_file(settings))
    conflicts = [p for p in collection.problems if p.field == "id" and p.is_error]
    for problem in conflicts:
        print(problem.format())
    print(
        f"{ledger}: {added} id(s) added, {updated} updated"
        + (f"; {len(conflicts)} story id(s) refused, see above" if conflicts else "")
    )
    return 1 if conflicts else 0


def profile_options(args) -> dict[str, dict]:
    """The profile (and `--no-cache`) asked for on the command line, as the harvest plugin's own options."""
    options: dict[str, object] = {"profile": args.profile} if args.profile else {}
    if getattr(args, "no_cache", False):
        options["cache"] = False
    return {"harvest": options} if options else {}


def page_cache_on(config) -> bool:
    from harvest.site.config import HarvestConfig, find_plugin_config

    plugin_config = find_plugin_config(config, HarvestConfig)
    return bool(plugin_config and plugin_config.cache)


def run_build(args) -> int:
    from harvest.core.cache import keep_between_runs
    from harvest.core.memory import give_back_big_blocks, no_full_collections

    give_back_big_blocks()  # (the rendered pages of megabytes: see core/memory.py)
    # One build: nothing this process reads is read again (core.cache). Set back afterwards, for
    # a caller that goes on in the same process (tests, an embedding program).
    keep_between_runs(False)
    try:
        with no_full_collections():  # (everything the build keeps, walked again and again: core/memory.py)
            return _build(args)
    finally:
        keep_between_runs(True)


def _build(args) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    from harvest.core.background import stop_all
    from harvest.core.fileio import staged_tree
    from harvest.core.problems import HarvestError, Problem
    from harvest.core.safepaths import real, refuse_site_dir
    from harvest.site.project import load_mkdocs_config, log_to_console

    settings = load_settings(args)  # fail early, with a clear message, on a bad config or profile
    log_to_console()
    overrides = {"site_dir": args.site_dir} if args.site_dir else {}
    config = load_mkdocs_config(args.config_file, profile_options(args), strict=True, **overrides)
    site_dir = Path(config.site_dir)
    refuse_site_dir(site_dir, config, "--site-dir" if args.site_dir else "site_dir", args.site_dir)
    # Built beside the site folder and swapped in only when the whole build succeeded: a build
    # that stops half-way (a warning in strict mode, a crash, Ctrl-C) publishes nothing.
    target = real(site_dir)
    try:
        with staged_tree(target) as staging:
            config.site_dir = str(staging)
            # Dirty: MkDocs skips the pages the page cache reuses (site/pagecache.py); the staging
            # folder starts empty, so nothing of an earlier build is left in it.
            try:
                build(config, dirty=page_cache_on(config))
            finally:  # (before the staging folder goes) nothing may write into it afterwards
                stop_all()
    except (MkDocsException, Abort) as error:
        print(f"harvest build: {error}", file=sys.stderr)
        print(f"harvest build: nothing was written; {site_dir} is as it was", file=sys.stderr)
        return 1
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise HarvestError(
            [
                Problem(
                    str(site_dir),
                    None,
                    "site_dir",
                    f"the build failed, nothing was written: {error.strerror or error}{where}",
                    "check that the site folder's parent is writable and on a local disk",
                )
            ]
        ) from None
    print(f"built {site_dir} (profile {settings.profile})")
    return 0


def run_serve(args) -> int:
    import mkdocs.commands.serve
    from mkdocs.commands.serve import serve

    from harvest.core.memory import give_back_big_blocks
    from harvest.site.project import log_to_console, plugins_with
    from harvest.site.quick import QuickServer

    load_settings(args)
    log_to_console()
    give_back_big_blocks()  # (every rebuild renders the pages of megabytes: see core/memory.py)
    options = profile_options(args)
    plugins: dict[str, Any] = {"plugins": plugins_with(Path(args.config_file), options)} if options else {}
    # Dirty rebuilds: MkDocs skips the pages the page cache reuses; the plugin removes what a
    # rebuild no longer writes. With --no-cache every page is rendered on every rebuild.
    # MkDocs' serve, with its live-reload server given quick pages (site/quick.py): the page of a
    # story whose text was edited is shown at once, while the full rebuild runs.
    mkdocs.commands.serve.LiveReloadServer = QuickServer  # type: ignore[misc]
    serve(
        config_file=args.config_file,
        dev_addr=args.dev_addr,
        livereload=True,
        build_type=None if args.no_cache else "dirty",
        **plugins,
    )
    return 0
