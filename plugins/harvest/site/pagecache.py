"""Reuse the pages of earlier builds whose inputs did not change (README: Development → Page cache).

A page's key is the hash of (the build's global key, its `PageSpec` -- title, template, text
and every value of its data, stories by the hash of all their fields -- and what the feature
plugins say their per-page hooks read). An entry in the page store says what that key rendered
to, and what the page was seen to read while it rendered: the address of every file it looked
up (links, feeds, story pages) and the rendered text of every other story it showed (answers).
A page is reused only when its key has an entry, every recorded lookup resolves as it did, every
story text it showed is unchanged, and the stored bytes still hash to their name. Everything else
is rendered, and stored for next time.

MkDocs skips a page when its `File.is_modified()` is False in a dirty build (`harvest build`
and `harvest serve` run one): `ReusableFile` asks this module, once per page, in MkDocs' order
(story pages before the pages that show their text).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
import sys
import sysconfig
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path, PurePath
from typing import Any

from mkdocs.structure.files import File, Files

from harvest.core.background import in_halves
from harvest.site.fingerprint import Fingerprinter, Unhashable, digest_bytes
from harvest.site.pagestore import PageStore, output_hash
from harvest.site.storyhtml import StoryHtml

FORMAT = "2"  # bump when what a key covers, or how it is written, changes
PAGE_EVENTS = ("pre_page", "page_read_source", "page_markdown", "page_content", "page_context", "post_page")
DIRTY_WARNING = "A 'dirty' build is being performed"
# Pages to key before half of them are keyed in a second process (the sample archive has 64):
# ~0.25 ms a page against a fork and the keys' trip back.
KEYS_APART_AT_LEAST = 64


def store_folder(project_dir: Path) -> Path:
    return Path(project_dir) / ".harvest" / "cache" / "pages"


class ReusableFile(File):
    """A Harvest page MkDocs may skip: asked once whether it must be rendered."""

    decide: Callable[[File], bool] | None = None
    # Set once every page's Markdown is rendered: False for a page a second process renders
    # (site/twocores.py), asked in MkDocs' rendering loop.
    renders_here: Callable[[File], bool] | None = None
    _modified: bool | None = None

    def is_modified(self) -> bool:
        if self._modified is None:
            self._modified = True if self.decide is None else self.decide(self)
        if self._modified and self.renders_here is not None:
            return self.renders_here(self)
        return self._modified

    @property
    def to_render(self) -> bool | None:
        """What MkDocs was told while reading the pages (None: not asked, not a dirty build)."""
        return self._modified


@lru_cache(maxsize=1 << 16)
def normal_uri(path: str) -> str:
    """`path` as MkDocs keys its files (`Files.get_file_from_path`: `PurePath(path).as_posix()`),
    parsed once per distinct path: pages look up the same few thousand paths 170,000 times."""
    return PurePath(path).as_posix()


def file_lookup(files: Files) -> Callable[[str], File | None]:
    """What `files.get_file_from_path` answers, from MkDocs' own (live) src_uri -> File mapping."""
    uris = files.src_uris
    return lambda path: uris.get(normal_uri(path))


def cut_hash(cut: StoryHtml) -> str:
    return digest_bytes(*cut.parts, "\0figures", cut.figures)


@lru_cache(maxsize=1)
def software_key() -> str:
    """Harvest's own files (code, templates, assets) and every installed distribution's version:
    a new release or an edited checkout renders anew."""
    root = Path(str(resources.files("harvest")))
    hasher = hashlib.blake2b(digest_size=20)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    hasher.update("\n".join([sys.version, *versions]).encode())
    return hasher.hexdigest()


def _installed(path: Path) -> bool:
    """Inside an installed package (its version is in software_key)."""
    roots = {sysconfig.get_paths()[name] for name in ("purelib", "platlib")}
    return any(path.is_relative_to(root) for root in roots)


def folder_hash(folder: Path) -> str:
    """Every file under `folder`, by name and content (a theme's overrides: small)."""
    hasher = hashlib.blake2b(digest_size=20)
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file():
            hasher.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def config_view(config: Mapping[str, Any]) -> dict:
    """MkDocs' validated config as plain data: every option but the output folder, the theme
    as its settings and folders, each plugin as its options."""
    view: dict[str, Any] = {}
    for name, value in config.items():
        if name == "site_dir":  # where this build writes (a staging folder): not what it writes
            continue
        if name == "plugins":
            value = {key: _plugin_view(plugin) for key, plugin in value.items()}
        elif name == "theme":
            value = {"name": value.name, "dirs": list(value.dirs), "static": sorted(value.static_templates), **value}
        view[name] = value
    return view


def _plugin_view(plugin: Any) -> dict:
    """A plugin's options; an MkDocs hook (`hooks:` in mkdocs.yml, a module with no options) by its
    code, which can change any page."""
    if hasattr(plugin, "config"):
        return dict(plugin.config)
    source = getattr(plugin, "__file__", None)
    code = Path(source).read_bytes() if source and Path(source).is_file() else b""
    return {"hook": getattr(plugin, "__name__", ""), "code": hashlib.blake2b(code, digest_size=20).hexdigest()}


def nav_view(items, title_of: Callable[[str], str | None]) -> list:
    """The navigation every page shows: sections, links, and pages by address and title (as
    given in the nav, else the page's own: `title_of(src_uri)`)."""
    out: list = []
    for item in items:
        file = getattr(item, "file", None)
        children = getattr(item, "children", None)
        title = vars(item).get("title")  # as given; a page's own title is computed from its source
        if title is None and file is not None:
            title = title_of(file.src_uri)
        out.append(
            (
                type(item).__name__,
                title,
                file.src_uri if file is not None else getattr(item, "url", None),
                nav_view(children, title_of) if children else None,
            )
        )
    return out


def page_uses_everything(template_dirs: list[Path]) -> bool:
    """A site template that reads `pages` (every page of the site) makes every page depend on all."""
    pattern = re.compile(rb"\bpages\b")
    for folder in template_dirs:
        for path in folder.rglob("*.html") if folder.is_dir() else ():
            if pattern.search(path.read_bytes()):
                return True
    return False


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


@dataclass(frozen=True)
class StoredPage:
    """What a reused page gives the rest of the build, read from its entry (and checked: the
    store is never trusted)."""

    title: str | None
    meta: dict
    template: str
    anchors: set[str] | None
    links: dict[str, dict[str, str]] | None  # target src_uri -> {anchor: link as written}
    cut: StoryHtml | None

    @classmethod
    def read(
        cls, entry: dict, story_page: bool, make_cut: Callable[[dict, list[str], str], StoryHtml] | None = None
    ) -> StoredPage | None:
        """`make_cut(entry, parts, figures)`: the story's cut (`CutMemo.cut`; else made here)."""
        title, meta, template = entry.get("title"), entry.get("meta"), entry.get("template")
        anchors, links, cut = entry.get("anchors"), entry.get("links"), entry.get("cut")
        if not (title is None or isinstance(title, str)) or not isinstance(meta, dict) or not isinstance(template, str):
            return None
        if not (anchors is None or _strings(anchors)):
            return None
        if links is not None and not (
            isinstance(links, dict)
            and all(
                isinstance(v, dict) and all(isinstance(a, str) and isinstance(b, str) for a, b in v.items())
                for v in links.values()
            )
        ):
            return None
        story_cut = None
        if story_page:
            parts = cut.get("parts") if isinstance(cut, dict) else None
            figures = cut.get("figures") if isinstance(cut, dict) else None
            if not _strings(parts) or not isinstance(figures, str):
                return None
            parts = list(parts)  # type: ignore[arg-type]
            story_cut = make_cut(entry, parts, figures) if make_cut is not None else StoryHtml(parts, figures)
        # Copies: the entry may be the store's remembered one (serve), and pages' metadata is theirs to change.
        return cls(
            title,
            copy.deepcopy(meta),
            template,
            set(anchors) if anchors is not None else None,
            {uri: dict(found) for uri, found in links.items()} if links is not None else None,
            story_cut,
        )


class CutMemo:
    """`serve`: one cut object per story text from rebuild to rebuild, with its hash.

    A reused story page's cut is made once from its entry: the page store hands back the very
    same entry object while a page's key holds (it remembers what it read), and a `StoryHtml`
    never changes, so the cut is not compressed and hashed again for every story page at every
    rebuild (~1.5 s at 5,000 stories). Where the last build had a cut with the same text -- the
    page it rendered and stored (`written`), or the story's cut (`shown`), e.g. a page rendered
    again only because another story changed -- that very object is used, once its parts and
    figures are seen to be equal: memos keyed by a cut object (`storyhtml.AnswerMemo`) hold.
    Holds what the last build used, nothing older."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[dict, StoryHtml, str]] = {}  # id(entry) -> (entry, cut, its hash)
        self._now: dict[int, tuple[dict, StoryHtml, str]] = {}
        self._hashes: dict[int, str] = {}  # id(cut) -> its hash, for the cuts held
        self._written: dict[str, tuple[StoryHtml, str]] = {}  # page key -> (cut, hash) stored this build
        self._seeds: dict[str, tuple[StoryHtml, str]] = {}  # the same, of the last build
        self._stories_now: dict[str, tuple[StoryHtml, str]] = {}  # story id -> (cut, hash) shown this build
        self._stories_last: dict[str, tuple[StoryHtml, str]] = {}

    def next_build(self) -> None:
        self._last, self._now = self._now, {}
        self._seeds, self._written = self._written, {}
        self._stories_last, self._stories_now = self._stories_now, {}
        self._hashes = {id(cut): digest for _, cut, digest in self._last.values()}
        self._hashes.update((id(cut), digest) for cut, digest in self._stories_last.values())

    def cut(self, entry: dict, parts: list[str], figures: str, story_id: str | None = None) -> StoryHtml:
        """The cut of a reused page's entry (of `story_id`'s page)."""
        found = self._now.get(id(entry)) or self._last.get(id(entry))
        if found is None or found[0] is not entry:  # (an id is only reused once its object is gone)
            key = entry.get("key")
            known = (
                self._seeds.get(key) if isinstance(key, str) else None,
                self._stories_last.get(story_id) if story_id is not None else None,
            )
            same = next((k for k in known if k is not None and k[0].figures == figures and k[0].parts == parts), None)
            if same is not None:
                found = (entry, *same)
            else:
                cut = StoryHtml(parts, figures)
                found = (entry, cut, cut_hash(cut))
        self._now[id(entry)] = found
        self._hashes[id(found[1])] = found[2]
        return found[1]

    def same_as_last(self, story_id: str, cut: StoryHtml) -> StoryHtml:
        """`cut` (a page rendered this build), or the story's last cut when it has the same text."""
        last = self._stories_last.get(story_id)
        if last is not None and (last[0] is cut or last[0] == cut):  # (StoryHtml: equal parts and figures)
            return last[0]
        return cut

    def shown(self, story_id: str, cut: StoryHtml, digest: str) -> None:
        """The cut this build shows of a story, and its hash."""
        self._stories_now[story_id] = (cut, digest)
        self._hashes[id(cut)] = digest

    def written(self, key: str, cut: StoryHtml, digest: str) -> None:
        """A story page stored under `key` this build, rendered with `cut` (of hash `digest`)."""
        self._written[key] = (cut, digest)

    def hash_of(self, cut: StoryHtml) -> str | None:
        """The hash of a cut this memo holds, else None."""
        return self._hashes.get(id(cut))


@dataclass
class Render:
    """What one page read while it rendered (recorded, stored with its output)."""

    key: str
    lookups: dict[str, list[str] | None] = field(default_factory=dict)
    reads: dict[str, str | None] = field(default_factory=dict)
    warned: bool = False
    output: str | None = None  # hash of the bytes MkDocs writes
    meta: dict = field(default_factory=dict)
    cut: tuple[StoryHtml, str] | None = None  # a story page's cut and its hash


class WarningSpy(logging.Handler):
    """Marks the page being rendered when MkDocs (or a plugin) warns: such a page is never stored,
    so the warning is given again on every build, as a clean build would."""

    def __init__(self, cache: PageCache) -> None:
        super().__init__(logging.WARNING)
        self.cache = cache

    def emit(self, record: logging.LogRecord) -> None:
        if self.cache.current is not None:
            self.cache.current.warned = True


class DirtyNotice(logging.Filter):
    """MkDocs warns that a dirty build may leave stale navigation and links; Harvest's is exact
    (every page that depends on a change is rendered), so that one message is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_WARNING)


class PageCache:
    """One build's reuse of stored pages. Made in on_config; `prepare` once the files and the
    navigation are known (on_nav); then the hooks below, in MkDocs' order."""

    def __init__(
        self,
        store: PageStore,
        reuse: bool,
        lookups_held: dict[str, str] | None = None,
        cuts: CutMemo | None = None,
    ) -> None:
        self.store = store
        self.reuse = reuse  # False: render every page, only fill the store
        self.cuts = cuts  # (serve: kept across rebuilds)
        if cuts is not None:
            cuts.next_build()
        # (serve: kept across rebuilds) entry key -> the files' signature under which its recorded
        # lookups were last found to resolve as recorded: under the same files they still do.
        self.lookups_held = lookups_held
        self.files_signature = ""
        self.keys: dict[str, str | None] = {}  # src_uri -> page key (None: not reusable)
        self.files: Files | None = None
        self._lookup: Callable[[str], File | None] | None = None
        self.current: Render | None = None
        self.rendered: dict[str, Render] = {}  # src_uri -> what it read and wrote
        self.reused: dict[str, Path] = {}  # dest path -> stored object
        self.cut_hashes: dict[str, str] = {}  # story id -> hash of its rendered text
        self._addresses: dict[str, tuple[File | None, list[str] | None]] = {}  # path -> (file, its address)
        self.counts = {"reused": 0, "rendered": 0, "stored": 0}
        self._written: list[str] = []  # pages rendered and written since the last `keep_rendered`
        self.spy = WarningSpy(self)

    # --- keys -----------------------------------------------------------------------------------

    def prepare(
        self,
        config,
        nav,
        files: Files,
        specs: Mapping[str, Any],
        settings,
        page_keys: Callable[[str], list],
    ) -> None:
        """Key every Harvest page; watch the file lookups and warnings of the pages rendered."""
        self.files = files
        template_dirs = [Path(d) for d in config.theme.dirs if not _installed(Path(d))]
        everything: list = []
        # Harvest's own templates never read `pages` (one page per story would make the build quadratic).
        if config.theme.custom_dir and page_uses_everything([Path(config.theme.custom_dir)]):
            everything = [
                (f.src_uri, f.url, specs[f.src_uri].title if f.src_uri in specs else None)
                for f in files.documentation_pages()
            ]
        fingerprint = Fingerprinter()
        site = Fingerprinter(fallback=repr, root=os.path.abspath(settings.project_dir))
        settings_view = {k: v for k, v in vars(settings).items() if k != "today"}  # the date acts through the data
        global_key = digest_bytes(
            FORMAT,
            software_key(),
            site.digest(config_view(config)),
            site.digest(settings_view),
            site.digest(nav_view(nav.items, lambda uri: specs[uri].title if uri in specs else None)),
            *(folder_hash(d) for d in template_dirs),
            site.digest(everything),
        )
        lookup = file_lookup(files)

        def keys_of(pages: Sequence[tuple[str, Any]], _start: int) -> list[str | None]:
            keys: list[str | None] = []
            for uri, spec in pages:
                file = lookup(uri)
                try:
                    markdown = spec.markdown() if callable(spec.markdown) else spec.markdown
                    keys.append(
                        digest_bytes(
                            global_key,
                            fingerprint.digest(
                                [spec.src_uri, spec.title, spec.template, spec.search, spec.lang, markdown, spec.data]
                            ),
                            site.digest(page_keys(uri)),
                            str(file.inclusion if file is not None else None),
                        )
                    )
                except Unhashable:
                    keys.append(None)
            return keys

        # The later half keyed in a second process while this one keys the first (~1.2 s of a
        # build at 5,000 stories, one core): a key is a hash, the same in either process. Under
        # serve (threads: no fork) all in this one.
        pages = list(specs.items())
        keys = [key for half in in_halves(pages, keys_of, KEYS_APART_AT_LEAST) for key in half]
        self.keys.update(zip(specs, keys, strict=True))
        self.watch_files(files)
        files.get_file_from_path = self._recorded_lookup  # type: ignore[method-assign]
        logging.getLogger("mkdocs").addHandler(self.spy)

    def watch_files(self, files: Files) -> None:
        """The files this build's lookups resolve against (and, under serve, their signature)."""
        self._lookup = file_lookup(files)
        if self.lookups_held is not None:
            self.files_signature = files_signature(files)

    def _recorded_lookup(self, path: str) -> File | None:
        assert self._lookup is not None
        found = self._lookup(path)
        if self.current is not None:
            # ~30 lookups per page, of a few thousand paths: every page's record shares the same
            # key strings and address lists (tens of MB at 5,000 stories otherwise).
            address = self._addresses.get(path)
            if address is None or address[0] is not found:
                address = self._addresses[path] = (found, _address(found))
            self.current.lookups[sys.intern(path)] = address[1]
        return found

    def finish(self) -> None:
        """Stop watching (end of the build, or its failure)."""
        logging.getLogger("mkdocs").removeHandler(self.spy)
        if self.files is not None and self._lookup is not None:
            del self.files.get_file_from_path  # the instance attribute: back to the method
            self._lookup = None
        self.current = None

    # --- deciding ---------------------------------------------------------------------------------

    def decide(self, file: File, story_id: str | None, restore: Callable[[dict], bool]) -> bool:
        """Must `file`'s page be rendered? When not, `restore(entry)` has given the page what
        other pages read of it (title, its story's cut) and the stored bytes go in its place."""
        key = self.keys.get(file.src_uri)
        if key is None or not self.reuse:
            return True
        entry = self.store.entry(key)
        if entry is None or not self._still_valid(key, entry, story_id):
            return True
        path = self.store.verified_object(entry["output"])
        if path is None or not restore(entry):
            return True
        self.reused[file.abs_dest_path] = path
        self.counts["reused"] += 1
        return False

    def _still_valid(self, key: str, entry: dict, story_id: str | None) -> bool:
        lookups, reads = entry.get("lookups"), entry.get("reads")
        lookup = self._lookup
        if not isinstance(lookups, dict) or not isinstance(reads, dict) or lookup is None:
            return False
        held = self.lookups_held
        if held is None or held.get(key) != self.files_signature:
            for path, address in lookups.items():
                found = lookup(path)
                if found is None:
                    if address is not None:
                        return False
                elif address != [found.url, found.dest_uri]:  # (_address, inline: 120,000 calls a build)
                    return False
            if held is not None:
                held[key] = self.files_signature
        for other, text_hash in reads.items():
            if other != story_id and (text_hash is None or self.cut_hashes.get(other) != text_hash):
                return False  # that story's text changed, or is not rendered yet: render this one
        return True

    # --- recording --------------------------------------------------------------------------------

    def start(self, src_uri: str) -> None:
        """A page starts rendering (its Markdown, then later its template)."""
        key = self.keys.get(src_uri)
        if key is None:
            self.current = None
            return
        self.current = self.rendered.get(src_uri) or self.rendered.setdefault(src_uri, Render(key))

    def stop(self) -> None:
        self.current = None

    def read_story(self, story_id: str) -> None:
        if self.current is not None:
            self.current.reads[story_id] = self.cut_hashes.get(story_id)

    def stored_page(self, entry: dict, story_id: str | None) -> StoredPage | None:
        """What a reused page (of `story_id`'s story, if a story page) gives the rest of the build
        (its cut from the memo under serve)."""
        cuts = self.cuts
        make_cut = None if cuts is None else lambda entry, parts, figures: cuts.cut(entry, parts, figures, story_id)
        return StoredPage.read(entry, story_id is not None, make_cut)

    def story_cut(self, story_id: str, cut: StoryHtml) -> StoryHtml:
        """This build's cut of a story -> the one to use: under serve, the last build's when it
        has the same text (memos keyed by the cut object hold)."""
        if self.cuts is None:
            self.cut_hashes[story_id] = cut_hash(cut)
            return cut
        cut = self.cuts.same_as_last(story_id, cut)
        digest = self.cut_hashes[story_id] = self.cuts.hash_of(cut) or cut_hash(cut)
        self.cuts.shown(story_id, cut, digest)
        return cut

    def page_written(
        self, src_uri: str, output: str, meta: dict, story_id: str | None = None, cut: StoryHtml | None = None
    ) -> None:
        """A page rendered to `output`; a story page with its story's id and cut."""
        render = self.rendered.get(src_uri)
        if render is not None and output.strip():
            render.output = output_hash(output)
            render.meta = meta
            if story_id is not None and cut is not None and story_id in self.cut_hashes:
                render.cut = (cut, self.cut_hashes[story_id])
            self.counts["rendered"] += 1
            self._written.append(src_uri)
        self.current = None

    # --- after the build --------------------------------------------------------------------------

    def place_reused(self) -> None:
        """Put each reused page in the site folder (a hard link to the stored object, or a copy)."""
        for dest, path in self.reused.items():
            target = Path(dest)
            try:
                if target.exists() and os.path.samefile(target, path):
                    continue  # serve: already there from the last build
            except OSError:
                pass
            self.store.place(path, target)

    def keep_rendered(self, dest_of: Callable[[str], str | None]) -> int:
        """Store every page rendered without a warning since the last call: called as each page
        starts its template (the pages before it are written by then, and every warning about
        them given) and once at the end. The written file is linked in, not read again: its
        bytes are checked against the hash of what was rendered when it is reused (a file
        changed after MkDocs wrote it is then refused, and the page rendered). -> the pages
        stored by this call."""
        kept = 0
        written, self._written = self._written, []
        for uri in written:
            render = self.rendered[uri]
            dest = dest_of(uri)
            if render.warned or render.output is None or dest is None:
                continue
            if self.lookups_held is not None:
                self.lookups_held.pop(render.key, None)  # a new entry: its lookups are checked anew
            try:
                self.store.put(
                    render.key,
                    {**render.meta, "lookups": render.lookups, "reads": render.reads},
                    Path(dest),
                    render.output,
                )
                kept += 1
            except OSError:
                continue  # the store is a help, never a reason to fail a build
            if self.cuts is not None and render.cut is not None:
                self.cuts.written(render.key, *render.cut)
        self.counts["stored"] += kept
        return kept


def files_signature(files: Files) -> str:
    """What every lookup answers: each file MkDocs knows, by source path, with its address."""
    hasher = hashlib.blake2b(digest_size=20)
    hasher.update("\0".join(f"{uri}\0{f.url}\0{f.dest_uri}" for uri, f in files.src_uris.items()).encode())
    return hasher.hexdigest()


def _address(found: File | None) -> list[str] | None:
    return None if found is None else [found.url, found.dest_uri]


def stale_outputs(previous: set[str], current: set[str]) -> Iterator[Path]:
    """Files an earlier build wrote that this one does not (serve: a removed or withheld story)."""
    for dest in sorted(previous - current):
        yield Path(dest)
