"""Where a story's page lands in the site, and which story paths are refused.

A story's page is built at its path in the stories folder (`2026/flood-drill.md` →
`2026/flood-drill/`), so a story named like one of Harvest's own sections (`lessons.md`,
`feeds/x.md`, `index.md`, `README.md`) would replace that page or be replaced by it. Names are
compared case-insensitively: the site is also copied to (and read from) case-insensitive file
systems, such as a USB stick. `harvest check` reports these; the build refuses them too.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

from harvest.core.problems import Problem
from harvest.core.textchars import unsafe_name_char
from harvest.core.urls import outside_host

# Top-level names Harvest and its plugins write into the site (pages, feeds, search index, assets).
RESERVED_DIRS = (
    "lessons",
    "contributors",
    "events",
    "places",
    "timeline",
    "answers",
    "assets",
    "digests",
    "feeds",
    "readings",
    "contribute",
    "search",
    "federation",
)
RESERVED_TOP = frozenset(
    (*RESERVED_DIRS, "index", "readme", "404", "sitemap.xml", "sitemap.xml.gz", "sitemap", "robots.txt")
)
INDEX_NAMES = ("index", "readme")  # MkDocs makes `README.md` a folder's index page too


def page_key(rel_path: str) -> str:
    """The site file a story's page is written to (with directory URLs), folded for comparison."""
    folder, name = posixpath.split(rel_path)
    stem = name.removesuffix(".md")
    dest = (
        posixpath.join(folder, "index.html")
        if stem.casefold() in INDEX_NAMES
        else posixpath.join(folder, stem, "index.html")
    )
    return dest.casefold()


def path_problems(rel_path: str, display: str) -> list[Problem]:
    """A story path's own mistakes: hidden characters in a name, or a name Harvest's pages use."""
    for part in rel_path.split("/"):
        reason = unsafe_name_char(part)
        if reason:
            return [
                Problem(
                    display.encode("unicode_escape").decode("ascii"),
                    None,
                    "file",
                    f"the name {part!r} contains {reason}",
                    "rename the file or folder using visible letters, digits, '-' and '_'",
                )
            ]
    top = rel_path.split("/", 1)[0]
    top_name = top.removesuffix(".md") if "/" not in rel_path else top
    if top_name.casefold() in RESERVED_TOP or top_name.casefold().strip(" .") in RESERVED_TOP:
        return [
            Problem(
                display,
                1,
                "file",
                f"'{top}' is used by Harvest's own pages (in any letter case), "
                f"so this story would replace one of them or be replaced",
                "move the story into another folder, e.g. a folder for its year",
            )
        ]
    return []


def page_collisions(paths: list[tuple[str, str]]) -> list[Problem]:
    """(story path, display) pairs whose pages would be the same site file, e.g. `a/b.md` and
    `a/b/index.md`, or `Flood.md` and `flood.md` (the same file on a case-insensitive disk)."""
    by_key: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rel, display in paths:
        by_key[page_key(rel)].append((rel, display))
    problems = []
    for same in by_key.values():
        for _rel, display in same[1:]:
            problems.append(
                Problem(
                    display,
                    1,
                    "file",
                    f"its page would be the same file as {same[0][1]}'s ({page_key(same[0][0])}, letter case aside)",
                    "rename one of the two files",
                )
            )
    return problems


# Images a story's text shows: `![alt](ref "title")`, `![alt](<ref>)`, `[id]: ref` definitions,
# and `<img src=…>`/`srcset` (quoted or not). Other forms are the sanitiser's business.
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^)\s]+)")
_MD_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc(?:set)?\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif"}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _local_refs(markdown: str) -> list[tuple[int, str]]:
    """(offset, reference) for every image reference that names a local file."""
    found = []
    for pattern, needed in ((_MD_IMAGE, "!["), (_MD_DEFINITION, "]:"), (_HTML_IMAGE, "<")):
        if needed not in markdown:  # most stories show no image: a plain search skips the regex
            continue
        for match in pattern.finditer(markdown):
            value = match.group(1).strip("<>\"'")
            candidates = (
                [part.split()[0] for part in value.split(",") if part.split()]
                if pattern is _HTML_IMAGE and "srcset" in match.group(0).lower()
                else [value]
            )
            for ref in candidates:
                if outside_host(ref) is not None:
                    continue  # another host's image: the sanitiser drops it, it names no file here
                ref = unquote(ref).replace("\\", "/")
                ref = ref.split("#")[0].split("?")[0]
                if pattern is _MD_DEFINITION and posixpath.splitext(ref)[1].lower() not in _IMAGE_SUFFIXES:
                    continue  # a link definition: links are not published files
                if ref and not _SCHEME.match(ref) and not ref.startswith(("/", "#")):
                    found.append((match.start(), ref))
    return found


def inline_image_problems(markdown: str, body_line: int, file: Path, root: Path, display: str) -> list[Problem]:
    """Images in the story text must be files inside the stories folder: one outside is never
    published (and fails the strict build); one that does not exist fails it too."""
    problems = []
    for offset, ref in _local_refs(markdown):
        if not ref or ref.endswith("/"):
            continue
        line = body_line + markdown.count("\n", 0, offset)
        target = (file.parent / ref).resolve()
        if not target.is_relative_to(root):
            problems.append(
                Problem(
                    display,
                    line,
                    "body",
                    f"the image '{ref}' is outside the stories folder",
                    "keep images inside the stories folder, next to the story",
                )
            )
        elif not target.is_file() and Path(ref).suffix:
            problems.append(
                Problem(display, line, "body", f"image '{ref}' not found", "paths are relative to the story file")
            )
    return problems
