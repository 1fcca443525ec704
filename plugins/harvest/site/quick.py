"""`harvest serve`'s quick page: a story whose text was edited is shown before the full rebuild.

A serve rebuild at 5,000 stories takes seconds to tens of seconds (every story is scanned, every
index planned). When the only change since the last successful build is the *text* of stories
that build published, the changed story pages are rendered at once, from that build's navigation,
files and templates, and served from memory while the full rebuild runs; every other request waits
for the rebuild, as MkDocs' server always makes it wait. So nothing stale is ever served:
- a story page is quick only when the story is read and checked again exactly as `scan` does it
  (any problem at all, a link or a path that resolves elsewhere: no quick page), its front matter
  is unchanged (title, lessons, people, visibility, embargo, translations), it is still visible to
  the profile, and its redactions are applied as `publish` applies them;
- any other change (a setting, lessons.yml, contributors.yml, an image, a story added or removed,
  anything outside the stories folder) gives no quick page: the full rebuild is the only answer;
- the rendered page is refused if rendering it logged a warning, or if it would load anything
  from another host;
- after the rebuild the server compares what it served early with what the rebuild wrote, and
  reloads the browsers again when they differ (a story's related stories can change with its text).

Plain Python over MkDocs' objects; `QuickServer` is the only part that knows MkDocs' server.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mkdocs.commands.build import _populate_page, get_context
from mkdocs.livereload import LiveReloadServer, _timestamp
from mkdocs.structure.files import InclusionLevel

from harvest.core.archive import redacted, rescan_story
from harvest.core.model import Story, front_matter_same
from harvest.core.privacy import is_visible
from harvest.core.prompts import PromptMatcher

log = logging.getLogger("mkdocs.plugins.harvest.quick")

MOST_QUICK = 5  # more stories changed at once (a git checkout, a script): wait for the rebuild


def ignorable(rel: str) -> bool:
    """Editors' own files, which the build never reads: hidden names (swap and lock files,
    `.#story.md`) and backups (`story.md~`, `#story.md#`). Anything else counts as a change."""
    parts = rel.split("/")
    name = parts[-1]
    return any(p.startswith(".") for p in parts) or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def file_stamps(folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """Every file under `folder` (links stamped, never followed), by path relative to it."""
    found: dict[str, tuple[int, int, int, int]] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(folder / rel if rel else folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(name)
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found[name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    return found


def changed_files(before: dict[str, Any], now: dict[str, Any]) -> set[str]:
    return {rel for rel in before.keys() | now.keys() if before.get(rel) != now.get(rel)}


@dataclass
class QuickState:
    """What one successful serve build leaves for a quick page: its MkDocs objects, the story
    files as they were before it read them, and the stories it read and published."""

    plugin: Any  # the HarvestPlugin that built it (its specs, files and hooks)
    config: Any
    nav: Any
    env: Any
    stamps: dict[str, tuple[int, int, int, int]]  # the stories folder, taken before the scan
    read: dict[str, Story]  # path -> the story as read (before privacy)
    lessons: dict
    registry: dict

    def pages(self) -> dict[str, bytes] | None:
        """{site path: page bytes} for each story whose text alone changed; None when any change
        is of another kind (the full rebuild alone answers it)."""
        settings = self.plugin.settings
        now = file_stamps(settings.stories_dir)
        changed = {rel for rel in changed_files(self.stamps, now) if not ignorable(rel)}
        if not changed or len(changed) > MOST_QUICK:
            return None
        archive = self.plugin.context.archive
        renders: list[tuple[str, Story]] = []
        for rel in sorted(changed):
            old = self.read.get(rel)
            published = archive.story(old.id) if old is not None else None
            if old is None or published is None or published.path != rel:
                return None  # a story added, removed, withheld before, or not a story at all
            new = rescan_story(settings, rel, self.lessons, self.registry)
            if new is None or not front_matter_same(old, new):
                return None
            if not is_visible(new.visibility, new.embargo_until, settings):
                return None
            shown = replace(
                redacted(new, settings, PromptMatcher(settings.prompts)), translation_of=published.translation_of
            )
            renders.append((rel, shown))
        return self._render(renders)

    def _render(self, renders: list[tuple[str, Story]]) -> dict[str, bytes] | None:
        from harvest.offline.outside import judge  # (imports an HTML parser)

        plugin, config, files = self.plugin, self.config, self.plugin.files
        plugin.page_cache = None  # that build's cache is closed; its next build makes a new one
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        out: dict[str, bytes] = {}
        warnings = _WarningCount()
        logging.getLogger("mkdocs").addHandler(warnings)
        try:
            for rel, story in renders:
                spec = plugin.specs.get(rel)
                file = files.get_file_from_path(rel)
                if spec is None or file is None or file.page is None or spec.data.get("story") is None:
                    return None
                plugin.specs[rel] = story_spec_again(spec, story, plugin.context.archive)
                page = file.page
                _populate_page(page, config, files)
                context = get_context(self.nav, doc_files, config, page)
                template = self.env.get_template(page.meta.get("template", "main.html"))
                context = config.plugins.on_page_context(context, page=page, config=config, nav=self.nav)
                page.active = True
                try:
                    output = config.plugins.on_post_page(template.render(context), page=page, config=config)
                finally:
                    page.active = False
                if warnings.count or judge("html", output, file.dest_uri)[0]:
                    return None  # the rebuild reports it, and publishes nothing
                out[file.dest_uri] = output.encode("utf-8", errors="xmlcharrefreplace")
        except Exception as error:  # noqa: BLE001  (any failure: no quick page; the rebuild reports it)
            log.debug(f"no quick page: {error!r}")
            return None
        finally:
            logging.getLogger("mkdocs").removeHandler(warnings)
        return out


def story_spec_again(spec, story: Story, archive):
    """The story page's spec with the story's new text: everything else (related stories, language
    versions, the site's vocabularies) is what the last build computed."""
    from harvest.site.pages import once, story_header, story_markdown

    data = {**spec.data, "story": story, "header": once(lambda: story_header(archive, story))}
    return replace(spec, markdown=lambda: story_markdown(story), data=data)


class _WarningCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# The armed state of this process's `harvest serve`: set by each successful build, taken (once) by
# the next rebuild. Any build disarms it when it starts, so it is always the last good build's.
_armed: QuickState | None = None
_lock = threading.Lock()


def arm(state: QuickState | None) -> None:
    global _armed
    with _lock:
        _armed = state


def take() -> QuickState | None:
    global _armed
    with _lock:
        state, _armed = _armed, None
    return state


class QuickServer(LiveReloadServer):
    """MkDocs' live-reload server, with quick pages: served from memory, at once, while the full
    rebuild runs; every other page waits for the rebuild as before."""

    def __init__(self, builder: Callable[..., None], *args, **kwargs) -> None:
        super().__init__(self._quick_then(builder), *args, **kwargs)
        self._early: dict[str, bytes] = {}
        self._early_epoch = 0
        self._outside_changes = False

    def watch(self, path: str, func: None = None, *, recursive: bool = True) -> None:
        """MkDocs' `watch`, also noting whether a change was outside the stories folder."""
        import watchdog.events

        path = os.path.abspath(path)
        if func is not None and func is not self.builder:
            raise TypeError("Plugins can no longer pass a 'func' parameter to watch().")
        if path in self._watched_paths:
            self._watched_paths[path] += 1
            return
        self._watched_paths[path] = 1

        def callback(event) -> None:
            if event.is_directory:
                return
            with self._rebuild_cond:
                self._note(event.src_path)
                if getattr(event, "dest_path", ""):
                    self._note(event.dest_path)
                self._want_rebuild = True
                self._rebuild_cond.notify_all()

        handler = watchdog.events.FileSystemEventHandler()
        handler.on_any_event = callback  # type: ignore[method-assign]
        self._watch_refs[path] = self.observer.schedule(handler, path, recursive=recursive)

    def _note(self, path: str | bytes) -> None:
        stories = self.stories_dir
        text = os.fsdecode(path)
        if stories is None or not os.path.abspath(text).startswith(stories + os.sep):
            self._outside_changes = True

    stories_dir: str | None = None  # set by the harvest plugin (on_serve)

    def _quick_then(self, builder: Callable[..., None]) -> Callable[..., None]:
        def build(*args, **kwargs) -> None:
            with self._rebuild_cond:
                outside, self._outside_changes = self._outside_changes, False
            if not args and not kwargs and not outside:  # a rebuild for changes in the stories folder
                self._quick_stage()
            else:
                take()
            try:
                builder(*args, **kwargs)
            finally:
                self._end_early()

        return build

    def _quick_stage(self) -> None:
        """The quick pages, if any, published. The last build's objects are let go before the
        rebuild starts (held through it, a serve process would need twice the memory)."""
        state = take()
        if state is None:
            return
        start = time.perf_counter()
        pages = state.pages()
        if pages:
            self._publish_early(pages)
            log.info(
                f"quick page{'s' if len(pages) > 1 else ''}: {', '.join(pages)} ({time.perf_counter() - start:.2f} s)"
            )

    def _publish_early(self, pages: dict[str, bytes]) -> None:
        with self._epoch_cond:
            self._early = pages
            self._early_epoch = _timestamp()
            self._epoch_cond.notify_all()

    def _end_early(self) -> None:
        with self._epoch_cond:
            early, self._early = self._early, {}
            if not early:
                return
            # What was shown early and what the rebuild wrote: the same, and the browsers that
            # reloaded for it stay; different (e.g. related stories), and every browser reloads.
            same = all(_read(os.path.join(self.root, path)) == body for path, body in early.items())
            newer = max(self._wanted_epoch, self._early_epoch)
            self._wanted_epoch = newer if same else max(_timestamp(), newer + 1)

    def _serve_request(self, environ, start_response):
        path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "ignore")
        poll = re.fullmatch(r"/livereload/([0-9]+)/[0-9]+", path)
        if poll:
            return self._poll(int(poll[1]), start_response)
        rel = self._site_path(path)
        if rel is None:
            return super()._serve_request(environ, start_response)
        with self._epoch_cond:
            # MkDocs' own wait ("not a half-built site"), which a quick page for this path also ends:
            # a request made just before the quick page was out gets it, not the rebuild's end.
            self._epoch_cond.wait_for(lambda: self._visible_epoch == self._wanted_epoch or rel in self._early)
            body, epoch = self._early.get(rel), self._early_epoch
        if body is None:
            return super()._serve_request(environ, start_response)
        content = self._inject_js_into_html(body, epoch)
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(content)))])
        return [content]

    def _site_path(self, path: str) -> str | None:
        """The file a request path names, relative to the site folder (as MkDocs' server maps it)."""
        if not (path + "/").startswith(self.mount_path):
            return None
        rel = path[len(self.mount_path) :] + ("index.html" if path.endswith("/") else "")
        return posixpath.normpath("/" + rel).lstrip("/")

    def _poll(self, epoch: int, start_response):
        """MkDocs' long poll ("reload when the site is newer than my page"), where a quick page
        also counts as newer. The epochs never go back: see `_end_early`."""
        start_response("200 OK", [("Content-Type", "text/plain")])

        def newest() -> int:
            return max(self._visible_epoch, self._early_epoch)

        with self._epoch_cond:
            self._epoch_cond.wait_for(lambda: newest() > epoch, timeout=self.poll_response_timeout)
            return [b"%d" % newest()]


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None
