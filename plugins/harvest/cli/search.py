"""`harvest index` and `harvest search`: the archive's whoosh index from the terminal."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from harvest.cli.main import UsageError, add_cache_flag, add_common, without_cache

QUERY_HELP = """\
query language (whoosh):
  flood drill              stories with both words (and their variants: drills, drilled)
  "phone tree"             a phrase
  flood OR heat            either word;  bread NOT soup  leaves soup out
  lesson:communication     by lesson (id or title words); also contributor:, place:, event:, lang:
  missing:generator        in the answers to one prompt (its id, - written as _); body: is all text
  date:2025-06             a month;  date:[2025-01 to 2025-06]  a range;  date:>2025-03
  flood*                   words starting with flood
The index covers what the chosen --profile publishes (public by default)."""


def register(sub) -> None:
    index = sub.add_parser(
        "index",
        help="build or update the search index used by `harvest search`",
        description="Bring .harvest/index/<profile>/ up to date with the stories "
        "(only changed stories are re-indexed).",
    )
    add_common(index)
    index.add_argument("--rebuild", action="store_true", help="start again from scratch")
    index.add_argument(
        "--compact",
        action="store_true",
        help="rewrite the index so nothing of replaced or deleted stories stays on disk",
    )
    add_cache_flag(index)
    index.set_defaults(run=run_index)

    search = sub.add_parser(
        "search",
        help='search the stories (words, "phrases", lesson:, date:[a to b] ...)',
        description="Search the archive.",
        epilog=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(search)
    search.add_argument("query", nargs="+", help='the query (quote it in the shell if it has " or ( )')
    search.add_argument("-n", "--limit", type=int, default=10, help="show at most this many (default 10)")
    search.add_argument("--newest", action="store_true", help="newest first instead of best match first")
    search.add_argument("--json", action="store_true", help="print the results as JSON")
    search.add_argument(
        "--archive",
        metavar="NAME",
        default=None,
        help="only the stories of one archive: a peer's name or archive name from stories/federation.yml, "
        "or `ours` (our own stories)",
    )
    search.add_argument(
        "--no-update", action="store_true", help="do not update the index first, even when stories changed"
    )
    search.set_defaults(run=run_search)


def _load(args):
    """-> (settings, use_directory_urls, profile option), reading mkdocs.yml once, as the build does."""
    from harvest.site.config import HarvestConfig, find_plugin_config
    from harvest.site.project import load_project

    config, settings = load_project(Path(args.config_file), args.profile)
    option = getattr(find_plugin_config(config, HarvestConfig), "profile", None)
    return settings, config.use_directory_urls, option


def _update(settings, config_file: Path, rebuild: bool = False, compact: bool = False, sources=None):
    """Update the index from the stories. `sources`: the signature and detail taken before anything
    was read (else taken now, before reading): an edit made meanwhile shows at the next update."""
    from harvest.search.freshness import changed_story_files, sources_signature, write_sources
    from harvest.search.index import index_dir, read_manifest

    signature, detail = sources or sources_signature(settings, config_file)
    folder = index_dir(settings)
    manifest = None if rebuild or compact else read_manifest(folder)
    changed = None
    if manifest is not None:  # which story files changed, by their stamps: no story is read to tell
        changed = changed_story_files(folder, settings, detail, str(manifest.get("sources") or ""))
    report = None
    if changed is not None and manifest is not None:
        report = _update_edited(settings, folder, manifest, changed, signature)
    if report is None:
        report = _update_all(settings, folder, manifest, changed, signature, rebuild, compact)
    write_sources(folder, signature, detail)
    return report


def _update_edited(settings, folder: Path, manifest: dict, changed: set[str], signature: str):
    """The update when only the text of a few stories changed: those files alone are read
    (`search.edited`). None when that cannot be told: the full update then."""
    from harvest.search.edited import STORIES_KEY, edited_documents
    from harvest.search.index import IndexNeedsAll, update_index

    docs = edited_documents(settings, manifest, changed)
    if docs is None:
        return None
    extra = {"sources": signature, "versions": manifest["versions"], STORIES_KEY: manifest[STORIES_KEY]}
    unchanged = frozenset(manifest["documents"]).difference(doc.id for doc in docs)
    try:
        return update_index(docs, folder, settings.prompts, extra=extra, unchanged=unchanged)
    except IndexNeedsAll:
        return None


def _update_all(settings, folder: Path, manifest: dict | None, changed, signature: str, rebuild: bool, compact: bool):
    """The update from every story, checked (from the story cache when a file is unchanged);
    with `changed`, only the changed stories' documents are made again."""
    from harvest.core.archive import front_matter_digests, publish, scan
    from harvest.core.problems import HarvestError
    from harvest.search.documents import document, documents
    from harvest.search.edited import STORIES_KEY
    from harvest.search.index import IndexNeedsAll, update_index
    from harvest.site.front import versions_of

    collection = scan(settings)
    if collection.errors:
        raise HarvestError(collection.problems)
    archive = publish(collection)
    versions = versions_of(archive)
    # The stories that are one version of several: a story's document names its other versions.
    extra = {
        "sources": signature,
        "versions": sorted(versions),
        STORIES_KEY: front_matter_digests(collection.stories, {s.id for s in archive.stories}),
    }
    report = None
    grouped = manifest.get("versions") if manifest is not None else None
    if changed is not None and manifest is not None and isinstance(grouped, list):
        # Only the changed stories' documents are made: the others are as indexed (same file, and
        # nothing else they depend on changed, or `changed` would be None).
        known = manifest.get("documents", {})
        # A story's document names its other versions: when a version group changed (one of
        # its stories edited, added, withheld or removed), every story in a group, then or now,
        # is made again.
        edited = {s.id for s in archive.stories if s.path in changed}
        regrouped = set(grouped) != set(versions) or bool(edited & set(versions))
        redo = set(grouped) | set(versions) if regrouped else set()
        unchanged = frozenset(
            s.id for s in archive.stories if s.id in known and s.path not in changed and s.id not in redo
        )
        fresh = (document(archive, s, versions) for s in archive.stories if s.id not in unchanged)
        try:
            report = update_index(fresh, folder, settings.prompts, extra=extra, unchanged=unchanged)
        except IndexNeedsAll:
            report = None
    if report is None:
        report = update_index(
            documents(archive, versions=versions),
            folder,
            settings.prompts,
            rebuild=rebuild,
            compact=compact,
            extra=extra,
        )
    return report


def _remember(args, settings, directory_urls: bool, option) -> None:
    from harvest.search.freshness import write_query_settings

    write_query_settings(settings, Path(args.config_file), directory_urls, option)


def _settings(args):
    """-> (settings, use_directory_urls): as the last `harvest index` wrote them down when mkdocs.yml
    is unchanged (no MkDocs to load), else from mkdocs.yml (and written down for next time)."""
    from harvest.search.freshness import read_query_settings

    known = read_query_settings(Path(args.config_file), args.profile)
    if known is not None:
        return without_cache(args, known[0]), known[1]
    settings, directory_urls, option = _load(args)
    index_dir_root = Path(settings.project_dir) / ".harvest" / "index"
    index_dir_root.mkdir(parents=True, exist_ok=True)
    _remember(args, settings, directory_urls, option)  # as mkdocs.yml has them: --no-cache is for this run
    return without_cache(args, settings), directory_urls


def _without_gc(run):
    """Python's cycle collector off for one command: loading 5,000 stories makes millions of
    objects and no garbage cycles to speak of, and each full collection walks them all (~5-10% of
    `harvest index` after one edit; about the same peak memory). A short-lived process."""

    def command(args) -> int:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return run(args)
        finally:
            if enabled:
                gc.enable()

    command.__name__, command.__doc__ = run.__name__, run.__doc__
    return command


@_without_gc
def run_index(args) -> int:
    from harvest.search.freshness import sources_signature
    from harvest.search.index import current_report, index_dir

    settings, _ = _settings(args)
    sources = sources_signature(settings, Path(args.config_file))  # before any story is read
    report = None
    if not (args.rebuild or args.compact):  # nothing changed since the last update: nothing to read
        report = current_report(index_dir(settings), sources[0], settings.prompts)
    if report is None:
        report = _update(settings, Path(args.config_file), rebuild=args.rebuild, compact=args.compact, sources=sources)
    print(f"{report.summary()} in {settings.display_path(index_dir(settings))} (profile {settings.profile})")
    return 0


@_without_gc
def run_search(args) -> int:
    from harvest.search.freshness import changed_stories, current_signature
    from harvest.search.index import index_dir, read_manifest_head
    from harvest.search.query import QueryError, open_searcher

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    text = " ".join(args.query)
    config_file = Path(args.config_file)
    settings, directory_urls = _settings(args)
    archive = _archive_key(settings, args.archive) if args.archive is not None else None
    folder = index_dir(settings)
    manifest = read_manifest_head(folder)  # (its schema and sources: all a query needs)
    signature = current_signature(settings, config_file)
    hidden: set[str] = set()  # pages whose story changed since indexing (--no-update): never shown
    from harvest.search.index import schema_matches

    # An index made by an older Harvest (another schema) is rebuilt whatever the stories say.
    stale = manifest is not None and not schema_matches(manifest, settings.prompts)
    update = manifest is None or stale or manifest.get("sources") != signature
    if update and manifest is not None and args.no_update and not stale:
        changed = changed_stories(folder, settings, config_file, str(manifest.get("sources") or ""))
        if changed is None:  # settings, vocabularies or the date changed: any story may be hidden now
            print(
                "mkdocs.yml, the vocabularies or the date changed since the index was made: "
                "updating it despite --no-update",
                file=sys.stderr,
            )
        else:
            hidden, update = {rel.removesuffix(".md") for rel in changed}, False
    if update:
        print("updating the search index first…", file=sys.stderr)
        report = _update(settings, config_file)
        print(report.summary(), file=sys.stderr)
    searcher = open_searcher(settings, None if update else manifest)
    try:
        results = searcher.search(
            text, limit=args.limit + (len(hidden) if hidden else 0), newest=args.newest, archive=archive
        )
    except QueryError as error:
        raise UsageError(f"query: {error}") from None
    finally:
        searcher.close()

    if hidden:
        shown_hits = [h for h in results.hits if h.page not in hidden]
        left_out = len(results.hits) - len(shown_hits)
        results.hits, results.total = shown_hits[: args.limit], results.total - left_out
        if left_out:
            print(
                f"{left_out} {'story' if left_out == 1 else 'stories'} left out: changed since the index "
                f"was made (run `harvest index`)",
                file=sys.stderr,
            )

    def url(page: str) -> str:
        path = page + ("/" if directory_urls else ".html")
        return settings.site_url.rstrip("/") + "/" + path if settings.site_url else path

    def source(page: str) -> str:
        return settings.display_path(settings.stories_dir / (page + ".md"))

    if args.json:
        print(
            json.dumps(
                {
                    "query": text,
                    "profile": settings.profile,
                    "total": results.total,
                    "did_you_mean": results.suggestion,
                    "results": [
                        {
                            "id": h.id,
                            "title": h.title,
                            "date": h.date,
                            "place": h.place,
                            "lessons": h.lessons,
                            "contributors": h.contributors,
                            "archive": h.archive_name or settings.site_name,
                            "path": source(h.page),
                            "url": url(h.page),
                            "score": h.score,
                            "snippet": h.snippet,
                            "matches": h.matches,
                            "lang": h.lang,
                            "languages": [{"lang": lang, "url": url(page)} for lang, page, _name in h.languages],
                        }
                        for h in results.hits
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0

    bold = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if results.suggestion:
        print(f"did you mean: {results.suggestion}")
    for number, hit in enumerate(results.hits, 1):
        print(f"{number}. {hit.title}")
        origin = f" · from {hit.archive_name}" if hit.archive_name else ""
        print(f"   {hit.date} · {hit.place}{origin} · {url(hit.page)} ({source(hit.page)})")
        if hit.snippet:
            print(f"   {_marked(hit.snippet, hit.matches, bold)}")
        if hit.languages:
            print("   also in " + ", ".join(f"{name}: {url(page)}" for _lang, page, name in hit.languages))
    shown = len(results.hits)
    more = f", showing {shown} (use -n for more)" if results.total > shown else ""
    print(
        f"{results.total} {'story' if results.total == 1 else 'stories'} found for {text!r} "
        f"(profile {settings.profile}){more}"
    )
    return 0


def _archive_key(settings, name: str) -> str:
    """`--archive NAME` -> the index's key for it: a peer's name (or its archive's name, any case)
    from federation.yml, or `ours` / our site's name for our own stories. Unknown: a usage error."""
    from harvest.core.problems import HarvestError, did_you_mean
    from harvest.federation.peers import load_peers
    from harvest.search.index import OWN_ARCHIVE

    peers, problems = load_peers(settings)
    if problems:
        raise HarvestError(problems)
    wanted = name.strip().casefold()
    if wanted in peers:
        return wanted
    by_title = {peer.title.casefold(): key for key, peer in peers.items()}
    if wanted in by_title:
        return by_title[wanted]
    if wanted in ("ours", settings.site_name.casefold()):
        return OWN_ARCHIVE
    known = ["ours", *sorted(peers), *sorted(peer.title for peer in peers.values())]
    raise UsageError(f"--archive: no archive named {name!r}; {did_you_mean(name, known)}")


def _marked(text: str, spans, bold: bool) -> str:
    start, end = ("\033[1m", "\033[0m") if bold else ("**", "**")
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], start, text[a:b], end]
        last = b
    out.append(text[last:])
    return "".join(out)
