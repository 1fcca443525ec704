"""The page store (site/pagestore.py) as `harvest serve` keeps it across rebuilds: entries and
verified objects remembered in memory, and still nothing trusted that changed since."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from harvest.site import pagestore
from harvest.site.pagestore import ENTRIES, PageStore, link_or_copy

PAGE = b"<html><body>a stored page</body></html>"
DIGEST = hashlib.blake2b(PAGE, digest_size=20).hexdigest()
KEY = "ab" + "1" * 38


def stored(folder: Path, remember: bool) -> tuple[PageStore, Path]:
    """A store holding PAGE under KEY, written a while ago (settled); -> (store, the object)."""
    written = folder / "written.html"
    written.write_bytes(PAGE)
    PageStore(folder / "pages").put(KEY, {"title": "A page"}, written, DIGEST)
    obj = folder / "pages" / "objects" / DIGEST[:2] / DIGEST
    old = time.time_ns() - 5_000_000_000
    os.utime(obj, ns=(old, old))  # (its change time is now: the settled check waits for it)
    time.sleep(0.25)
    return PageStore(folder / "pages", remember=remember), obj


def overwrite_keeping_times(path: Path, data: bytes) -> None:
    before = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def read_entry(folder: Path) -> dict:
    with contextlib.closing(sqlite3.connect(folder / "pages" / ENTRIES)) as db:
        return json.loads(db.execute("SELECT data FROM entries WHERE key = ?", (KEY,)).fetchone()[0])


def write_entry(folder: Path, data: bytes | None) -> None:
    """KEY's row in the entries' database, as another process may change it (None: removed)."""
    with contextlib.closing(sqlite3.connect(folder / "pages" / ENTRIES)) as db:
        if data is None:
            db.execute("DELETE FROM entries WHERE key = ?", (KEY,))
        else:
            db.execute("UPDATE entries SET data = ? WHERE key = ?", (data, KEY))
        db.commit()


def remove_entries(folder: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (folder / "pages" / f"{ENTRIES}{suffix}").unlink(missing_ok=True)


# (what happens between two reads, remember?, is the entry still answered?)
ENTRY_CASES = [
    ("entry removed", lambda f: write_entry(f, None), True, True),
    ("entry removed", lambda f: write_entry(f, None), False, False),
    ("entry damaged", lambda f: write_entry(f, b"{no"), True, True),
    ("entry damaged", lambda f: write_entry(f, b"{no"), False, False),
    (
        "entry of another key",
        lambda f: write_entry(f, json.dumps({**read_entry(f), "key": "cd" + "2" * 38}).encode()),
        False,
        False,
    ),
    ("entries removed", remove_entries, True, True),
    (
        "entry names another object",
        lambda f: write_entry(f, json.dumps({"format": "harvest-pages-1", "key": KEY, "output": "0" * 40}).encode()),
        False,
        True,  # sound, so answered: the object it names is then refused
    ),
]


@pytest.mark.parametrize(("why", "between", "remember", "answered"), ENTRY_CASES)
def test_entries_read_once_under_serve(tmp_path, why, between, remember, answered):
    # An entry is keyed by the page's content: the one read before is what the key rendered to,
    # whatever happens to its row later (deleting the cache only costs time).
    store, _ = stored(tmp_path, remember)
    assert store.entry(KEY)["title"] == "A page"
    between(tmp_path)
    assert (store.entry(KEY) is not None) is answered


@pytest.mark.parametrize(
    "damage",
    [
        b"not a database, " * 300,  # another file in its place
        b"SQLite format 3\x00" + b"\xff" * 4000,  # a database's header, then garbage
    ],
    ids=["not a database", "damaged after its header"],
)
def test_a_damaged_entries_database_is_made_anew(tmp_path, damage):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / ENTRIES).write_bytes(damage)
    store = PageStore(folder)
    assert store.entry(KEY) is None  # nothing in it is used
    written = tmp_path / "written.html"
    written.write_bytes(PAGE)
    store.put(KEY, {"title": "A page"}, written, DIGEST)
    assert PageStore(folder).entry(KEY)["title"] == "A page"  # (read by a new process's store)


def test_a_link_in_the_entries_place_is_not_followed(tmp_path):
    """`.harvest/cache/pages/entries.sqlite` a symbolic link to a database elsewhere: nothing is
    written there; the link goes and the entries are made in the store's folder."""
    elsewhere = tmp_path / "elsewhere.sqlite"
    with contextlib.closing(sqlite3.connect(elsewhere)) as db:
        db.execute("CREATE TABLE mine (x)")
        db.commit()
    before = elsewhere.read_bytes()
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / ENTRIES).symlink_to(elsewhere)
    written = tmp_path / "written.html"
    written.write_bytes(PAGE)
    PageStore(folder).put(KEY, {"title": "A page"}, written, DIGEST)
    assert elsewhere.read_bytes() == before
    assert not (folder / ENTRIES).is_symlink()
    assert PageStore(folder).entry(KEY)["title"] == "A page"


def test_a_busy_entries_database_is_left_as_it_is(tmp_path, monkeypatch):
    """Another process holding the database's write lock longer than a store waits: the store
    stores nothing this time (the build goes on), and removes nothing; reading goes on meanwhile
    (write-ahead log), and once the lock is let go a row is stored again."""
    stored(tmp_path, remember=False)
    monkeypatch.setattr(pagestore, "BUSY_SECONDS", 0.2)
    other = KEY[:-1] + "2"
    written = tmp_path / "written.html"
    holder = sqlite3.connect(tmp_path / "pages" / ENTRIES, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = PageStore(tmp_path / "pages")
        assert store.entry(KEY)["title"] == "A page"
        with pytest.raises(OSError, match="locked"):
            store.put(other, {"title": "another page"}, written, DIGEST)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.entry(KEY)["title"] == "A page"  # the database was not removed
    store.put(other, {"title": "another page"}, written, DIGEST)
    assert PageStore(tmp_path / "pages").entry(other)["title"] == "another page"


def test_a_forked_child_writes_through_its_own_connection(tmp_path):
    """A store used before a fork (twocores: the parent reads entries, then forks): the child
    stores rows through a connection of its own, and the parent's stays usable."""
    folder = tmp_path / "pages"
    store = PageStore(folder)
    assert store.entry(KEY) is None  # the parent's connection is open
    written = tmp_path / "written.html"
    written.write_bytes(PAGE)
    pid = os.fork()
    if pid == 0:  # the child: a row, then out without Python's shutdown
        status = 1
        try:
            store.put(KEY, {"title": "from the child"}, written, DIGEST)
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.entry(KEY)["title"] == "from the child"  # the parent's connection sees it
    other = KEY[:-1] + "2"
    store.put(other, {"title": "from the parent"}, written, DIGEST)
    assert PageStore(folder).entry(other)["title"] == "from the parent"


# (change to the object between two reuses; is the object still given?)
OBJECT_CASES = [
    ("untouched", lambda p: None, True),
    ("same size, times put back", lambda p: overwrite_keeping_times(p, b"x" * len(PAGE)), False),
    ("truncated, times put back", lambda p: overwrite_keeping_times(p, PAGE[:10]), False),
    ("removed", lambda p: p.unlink(), False),
    ("replaced by a copy of the same bytes", lambda p: (p.unlink(), p.write_bytes(PAGE)), True),
]


@pytest.mark.parametrize("remember", [True, False])
@pytest.mark.parametrize(("why", "change", "given"), OBJECT_CASES)
def test_objects_are_never_trusted_after_a_change(tmp_path, remember, why, change, given):
    store, obj = stored(tmp_path, remember)
    assert store.verified_object(DIGEST) == obj
    change(obj)
    assert (store.verified_object(DIGEST) == obj) is given
    if given:
        assert obj.read_bytes() == PAGE


@pytest.mark.parametrize(("why", "change", "given"), OBJECT_CASES)
def test_an_object_placed_in_the_site_is_not_hashed_again_yet_never_trusted_after_a_change(
    tmp_path, monkeypatch, why, change, given
):
    # serve's first build links each reused page's object into the site folder, which changes
    # the object's change time: the next rebuild must not hash every page again for it.
    store, obj = stored(tmp_path, remember=True)
    hashed = []
    real_digest = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a, **k: hashed.append(1) or real_digest(*a, **k))
    assert store.verified_object(DIGEST) == obj and len(hashed) == 1
    site = tmp_path / "site" / "page"
    site.mkdir(parents=True)
    before = obj.stat()
    store.place(obj, site / "index.html")
    assert os.path.samefile(site / "index.html", obj) and obj.stat().st_ctime_ns != before.st_ctime_ns
    time.sleep(0.25)  # (each change below then lands a clock tick after the link: see `place`)
    assert store.verified_object(DIGEST) == obj and len(hashed) == 1  # known: not hashed again
    change(obj)
    assert (store.verified_object(DIGEST) == obj) is given
    # any change is hashed again (a removed object is found missing)
    assert len(hashed) == {"untouched": 1, "removed": 1}.get(why, 2)
    if given:
        assert obj.read_bytes() == PAGE


# --- serve: a page's recorded lookups are checked again whenever the files changed ---------------

from mkdocs.structure.files import File, Files  # noqa: E402

from harvest.site.pagecache import PageCache  # noqa: E402


def files_of(*uris: str, directory_urls: bool = True) -> Files:
    return Files([File(uri, "/docs", "/site", directory_urls) for uri in ["page.md", *uris]])


FIRST = files_of("a.md", "b.md")
# (the files of the next rebuild; must the page be rendered?) The page looked up a.md (found),
# b.md (found) and c.md (not found) when it rendered.
LOOKUP_CASES = [
    ("the same files", files_of("a.md", "b.md"), False),
    ("a looked-up file removed", files_of("b.md"), True),
    ("a file it did not find added", files_of("a.md", "b.md", "c.md"), True),
    ("another file added", files_of("a.md", "b.md", "d.md"), False),
    ("every address changed", files_of("a.md", "b.md", directory_urls=False), True),
]


@pytest.mark.parametrize(("why", "files", "render"), LOOKUP_CASES, ids=[c[0] for c in LOOKUP_CASES])
def test_serve_checks_lookups_again_when_the_files_change(tmp_path, why, files, render):
    store, _ = stored(tmp_path, remember=True)
    entry = read_entry(tmp_path)
    a, b = FIRST.src_uris["a.md"], FIRST.src_uris["b.md"]
    entry["lookups"] = {"a.md": [a.url, a.dest_uri], "b.md": [b.url, b.dest_uri], "c.md": None}
    entry["reads"] = {}
    write_entry(tmp_path, json.dumps(entry).encode())
    held: dict[str, str] = {}  # what the plugin keeps across rebuilds

    def rebuild(files: Files) -> bool:
        cache = PageCache(store, reuse=True, lookups_held=held)
        cache.keys["page.md"] = KEY
        cache.watch_files(files)
        return cache.decide(files.src_uris["page.md"], None, lambda entry: True)

    assert rebuild(FIRST) is False  # reused, its lookups checked and held
    assert rebuild(files) is render


@pytest.mark.parametrize(
    "text, chunk",
    [
        ("", 4),
        ("<p>plain ASCII</p>", 4),
        ("<p>dash — quote ’ é</p>", 3),  # two- and three-byte characters across the pieces
        ("<p>🌱 seed 🌾 harvest</p>" * 3, 5),  # four-byte characters
        ("lone \ud800 surrogate", 2),  # written as a character reference
        ("x" * 10, 10),  # exactly one piece
    ],
)
def test_a_pages_output_hash_is_the_hash_of_the_bytes_mkdocs_writes(monkeypatch, text, chunk):
    from harvest.site import pagestore

    monkeypatch.setattr(pagestore, "TEXT_CHUNK", chunk)
    written = text.encode("utf-8", errors="xmlcharrefreplace")  # as mkdocs' _build_page writes it
    assert pagestore.output_hash(text) == hashlib.blake2b(written, digest_size=20).hexdigest()
    if "\ud800" in text:
        assert b"&#55296;" in written


def _stored(tmp_path: Path, text: bytes) -> Path:
    source = tmp_path / "objects" / "ab" / "abc"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(text)
    return source


def test_a_page_placed_where_nothing_is_becomes_a_link_to_the_object(tmp_path):
    source = _stored(tmp_path, b"<p>stored</p>")
    target = tmp_path / "site" / "story" / "index.html"
    link_or_copy(source, target)
    assert target.read_bytes() == b"<p>stored</p>"
    assert target.stat().st_ino == source.stat().st_ino
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]  # no temporary file left


@pytest.mark.parametrize("there", ["a page linked to another object", "a symbolic link"])
def test_a_page_placed_over_another_replaces_it_never_writes_into_it(tmp_path, there):
    """What was there may be another stored object's link (serve's site folder): it is replaced
    by a new name, never written through; a symbolic link is replaced, never followed."""
    source = _stored(tmp_path, b"<p>new</p>")
    other = tmp_path / "objects" / "cd" / "cde"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"<p>old</p>")
    target = tmp_path / "site" / "index.html"
    target.parent.mkdir()
    if there == "a symbolic link":
        target.symlink_to(other)
    else:
        os.link(other, target)
    link_or_copy(source, target)
    assert not target.is_symlink()
    assert target.read_bytes() == b"<p>new</p>" and target.stat().st_ino == source.stat().st_ino
    assert other.read_bytes() == b"<p>old</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]


def test_a_page_is_copied_where_hard_links_fail(tmp_path, monkeypatch):
    source = _stored(tmp_path, b"<p>stored</p>")
    target = tmp_path / "site" / "index.html"

    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    link_or_copy(source, target)
    assert target.read_bytes() == b"<p>stored</p>" and target.stat().st_ino != source.stat().st_ino
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]
