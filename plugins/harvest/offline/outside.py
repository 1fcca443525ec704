"""Find everything in a built site that a browser would fetch from another host.

An offline copy must work with no network and tell no one that it is being read, so
any load from a network host fails: scripts, styles, images, frames, media, fonts,
`@import`, preconnects and prefetches, a remote `<base>`, a meta refresh, and URL
strings in JavaScript. Plain links out (`<a href>`, `<link rel=canonical>`...) are
allowed: nothing is fetched until the reader chooses to follow one; they are listed.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from harvest.core.problems import Problem
from harvest.core.urls import outside_host  # the sanitiser's judgement too: the two never disagree
from harvest.offline.verdicts import Verdict, Verdicts, content_key

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".svg"}
CSS_SUFFIXES = {".css"}
JS_SUFFIXES = {".js", ".mjs"}
JSON_SUFFIXES = {".json"}  # search indexes and feeds: their strings may be shown as HTML

# Attributes whose URL the browser fetches by itself, per element ("*": on any element).
LOADING_ATTRS = {
    "*": ("background", "ping"),  # <body|table|td background>; ping: a request on every click
    "script": ("src", "href", "xlink:href"),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data", "codebase"),
    "applet": ("code", "codebase", "archive"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "html": ("manifest",),
    "image": ("href", "xlink:href", "src", "srcset"),  # SVG <image>; in HTML the parser reads <image> as <img>
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
    "base": ("href",),  # a remote <base> sends every relative load to that host
}
LINK_ATTRS = {
    "a": ("href",),
    "area": ("href",),
    "form": ("action",),
    "button": ("formaction",),
    "input": ("formaction",),
}
# Attributes read as CSS: a url() in them loads (SVG presentation attributes take url() too).
CSS_ATTRS = {
    "style",
    "fill",
    "stroke",
    "filter",
    "mask",
    "clip-path",
    "marker-start",
    "marker-mid",
    "marker-end",
    "cursor",
}
LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "preload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "modulepreload",
    "prerender",
    "manifest",
    "import",
    "subresource",
}
# URL strings in scripts that name an XML namespace, never a place to fetch from.
XML_NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2000/xmlns",
}

# A string literal that starts with a network scheme, with slashes, backslashes or neither
# (`https:\\host`, `https:host` reach a host too); judged by outside_host. (`"//host"` is not
# looked for: without a tokenizer it cannot be told from a comment after a string.)
_JS_URL = re.compile(r"""(?<=["'`])(?:https?|wss?|ftp|file):[^\s"'`<>()]+""", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CSS_IMAGE_SET = re.compile(r"""image-set\(([^()]*(?:\([^()]*\)[^()]*)*)\)""", re.IGNORECASE)
_CSS_STRING = re.compile(r""""([^"]*)"|'([^']*)'""")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Conditional:
    """A load that Material's bundle makes only when a page has some feature."""

    url: re.Pattern
    feature: str
    because: str


# Material's bundle names these hosts but fetches them only in the cases below; the check
# fails when a built page has the feature, and otherwise lists them as dormant.
CONDITIONAL_LOADS = (
    Conditional(
        re.compile(r"^https://unpkg\.com/mermaid"),
        "mermaid",
        'a <pre class="mermaid"> block (Material then loads Mermaid from unpkg.com)',
    ),
    Conditional(
        re.compile(r"^https://api\.github\.com/|^https://\$\{"),
        "source",
        "a repository link (repo_url in mkdocs.yml: Material fetches its star count; remove repo_url)",
    ),
    Conditional(
        re.compile(r"^https://unpkg\.com/resize-observer-polyfill"),
        "no-resize-observer",
        "Material's script without the vendored ResizeObserver polyfill (old browsers would fetch it)",
    ),
)


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the site folder
    line: int
    what: str  # how it is referenced, e.g. "<script src>" or "CSS url()"
    url: str
    because: str = ""

    def format(self, prefix: str = "") -> str:
        why = f" — because of {self.because}" if self.because else ""
        return f"{prefix}{self.file}:{self.line}: {self.what} loads {self.url}{why}"


@dataclass
class OutsideReport:
    loads: list[Finding] = field(default_factory=list)  # fail the check
    links: list[Finding] = field(default_factory=list)  # allowed: links the reader may follow
    dormant: list[Finding] = field(default_factory=list)  # Material's conditional loads no page triggers
    files_scanned: int = 0

    @property
    def ok(self) -> bool:
        return not self.loads

    def grouped_loads(self) -> list[tuple[Finding, int]]:
        """One (first finding, how many files) per URL and way of loading it: a theme-wide problem
        shows once, not once per page."""
        groups: dict[tuple, list[Finding]] = {}
        for finding in self.loads:
            groups.setdefault((finding.what, finding.url, finding.because), []).append(finding)
        return [(found[0], len({f.file for f in found})) for found in groups.values()]

    def link_urls(self) -> dict[str, list[str]]:
        """Each outside URL linked to -> the files linking to it (sorted, for the listing)."""
        found: dict[str, list[str]] = {}
        for link in self.links:
            files = found.setdefault(link.url, [])
            if link.file not in files:
                files.append(link.file)
        return dict(sorted(found.items()))


def scan_site(site_dir: Path, html_pages: set[str] | None = None, verdicts: Verdicts | None = None) -> OutsideReport:
    """Every HTML, CSS, script and JSON file under `site_dir`; with `html_pages` (paths relative
    to it), only those of the HTML files. With `verdicts`, a file whose bytes this checker
    cleared before is not parsed again (`offline.verdicts`). Without, the verdicts are kept for this
    scan only: a story's HTML stands in a dozen feeds, and is parsed once."""
    if verdicts is None:
        verdicts = Verdicts(None)
    report = OutsideReport()
    pages: list[tuple[str, set[str]]] = []
    scripts: list[Finding] = []
    for rel, kind, path in _site_files(Path(site_dir), html_pages):
        data = path.read_bytes()
        report.files_scanned += 1
        key = content_key(kind, data)
        verdict = verdicts.get(key)
        if verdict is None:
            if kind == "html" and len(data) >= PIECES_FROM and b"\r" not in data:
                loads, verdict = judge_in_pieces(data, rel, verdicts)
            else:
                loads, verdict = judge(kind, _text(data), rel, verdicts)
            if loads:
                report.loads += loads
            else:
                verdicts.put(key, verdict)
        report.links += [Finding(rel, *found) for found in verdict.links]
        scripts += [Finding(rel, *found) for found in verdict.scripts]
        if kind == "html":
            pages.append((rel, set(verdict.features)))
    _judge_script_urls(scripts, pages, report)
    return report


_KINDS = {
    **dict.fromkeys(HTML_SUFFIXES, "html"),
    **dict.fromkeys(CSS_SUFFIXES, "css"),
    **dict.fromkeys(JS_SUFFIXES, "js"),
    **dict.fromkeys(JSON_SUFFIXES, "json"),
}


def _site_files(site_dir: Path, html_pages: set[str] | None = None) -> list[tuple[str, str, Path]]:
    """(path relative to the site, kind, path) of every file the check reads, in the order of
    `sorted(site_dir.rglob("*"))` and with its choices (links to files are read, links to folders
    are not entered, an unreadable folder is skipped), from one `scandir` per folder: a site of
    5,000 stories has 6,000 files, and a stat of each cost more than judging the changed ones."""
    found: list[tuple[list[str], str, str, Path]] = []
    stack = [(site_dir, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir() and not entry.is_symlink()
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((folder / entry.name, f"{prefix}{entry.name}/"))
                continue
            name = entry.name
            dot = name.rfind(".")
            kind = _KINDS.get(name[dot:].lower()) if 0 < dot < len(name) - 1 else None  # (Path.suffix)
            rel = prefix + name
            if kind == "html" and html_pages is not None and rel not in html_pages:
                continue
            if kind is not None and entry.is_file():
                found.append((rel.split("/"), rel, kind, folder / name))
    found.sort(key=lambda item: item[0])
    return [(rel, kind, path) for _, rel, kind, path in found]


def _text(data: bytes) -> str:
    """The file as `Path.read_text(errors="replace")` reads it (universal newlines: line numbers
    count as they always did)."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def judge(kind: str, text: str, file: str, verdicts: Verdicts | None = None) -> tuple[list[Finding], Verdict]:
    """One file's loads, and what else the check needs of it (its links out, its scripts' URLs,
    a page's features): the second part depends only on the text, never on the file's name."""
    if kind == "html":
        parser = _PageScanner(file)
        parser.feed(text)
        parser.close()
        links, script_urls, features = parser.links, parser.script_urls, frozenset(parser.features())
        loads = parser.loads
    else:
        links, script_urls, features = [], [], frozenset()
        if kind == "css":
            loads = scan_css(text, file)
        elif kind == "json":
            loads = scan_json(text, file, verdicts)
        else:
            loads, script_urls = [], scan_js(text, file)
    verdict = Verdict(
        tuple((f.line, f.what, f.url) for f in links),
        tuple((f.line, f.what, f.url) for f in script_urls),
        features,
    )
    return loads, verdict


# --- a big page, piece by piece ----------------------------------------------------------------
# An answers page holds every story's answer to one prompt (8 MB at 5,000 stories) and changes
# whenever one story does; parsing it took 1.8 s of each such `serve` rebuild. It is cut into pieces
# at lines chosen by their content alone (an edit moves no cut far from it), and a piece is looked
# up only where the parser stands *between* pieces exactly as a new parser stands: no tag, comment
# or character reference left unfinished, no <script> or <style> open. What a piece was cleared of
# is then what it was cleared of wherever it stands; elsewhere the parser carries on across the
# cut, as it would through the whole page, and nothing is looked up.
PIECES_FROM = 256 * 1024  # bytes: smaller pages are read whole (a story page is ~30 KB)
PIECE_MIN = 4096  # bytes before a piece may end
PIECE_MASK = 0x3F  # a line ends a piece when its CRC-32 ends in six zero bits (one line in 64)
# Parser state that does not change what the rest of a text gives: positions (lines are counted
# per piece and added), the last tag (error messages only), and what the scanner has found so far.
_POSITIONS = {"lineno", "offset", "lasttag", "_HTMLParser__starttag_text", "_decl_otherchars"}
_FOUND = {"file", "loads", "links", "script_urls", "script_srcs", "has_mermaid", "has_source", "_raw_text"}


def page_pieces(data: bytes) -> list[bytes]:
    """`data` cut after the lines that end a piece (each piece ends with its newline, the last
    maybe not). Cuts are at line ends, so no UTF-8 character is cut."""
    pieces, start, at = [], 0, 0
    while (end := data.find(b"\n", at)) >= 0:
        line, at = data[at:end], end + 1
        if at - start >= PIECE_MIN and zlib.crc32(line) & PIECE_MASK == 0:
            pieces.append(data[start:at])
            start = at
    if start < len(data):
        pieces.append(data[start:])
    return pieces


def _parser_state(scanner: _PageScanner) -> dict[str, object]:
    return {name: value for name, value in vars(scanner).items() if name not in _POSITIONS | _FOUND}


@lru_cache(maxsize=1)
def _fresh_state() -> dict[str, object]:
    return _parser_state(_PageScanner(""))


@dataclass
class _PageSoFar:
    """What the pieces of a page read so far add up to, lines counted from the page's start."""

    loads: list[Finding] = field(default_factory=list)
    links: list[tuple[int, str, str]] = field(default_factory=list)
    scripts: list[tuple[int, str, str]] = field(default_factory=list)
    srcs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    def add(self, found: Verdict, first_line: int) -> None:
        self.links += [(first_line + at - 1, what, url) for at, what, url in found.links]
        self.scripts += [(first_line + at - 1, what, url) for at, what, url in found.scripts]
        self.srcs += found.srcs
        self.flags |= found.features

    def read(self, scanner: _PageScanner, first_line: int) -> Verdict:
        """Add what `scanner` found; -> that, as a piece's verdict (lines from its first)."""
        self.loads += [replace(f, line=first_line + f.line - 1) for f in scanner.loads]
        found = Verdict(
            tuple((f.line, f.what, f.url) for f in scanner.links),
            tuple((f.line, f.what, f.url) for f in scanner.script_urls),
            frozenset(scanner.flags()),
            tuple(scanner.script_srcs),
        )
        self.add(found, first_line)
        return found


def judge_in_pieces(data: bytes, file: str, verdicts: Verdicts) -> tuple[list[Finding], Verdict]:
    """`judge("html", ...)` of a page with no carriage return, reading only the pieces not cleared
    before (a page with one is read whole: its newlines are normalised first)."""
    page = _PageSoFar()
    scanner: _PageScanner | None = None  # reading since line `first`, from piece `key` on
    first, key, line = 1, "", 1
    for piece in page_pieces(data):
        if scanner is None:
            key = content_key("html-piece", piece)
            known = verdicts.get(key)
            if known is not None:
                page.add(known, line)
                line += piece.count(b"\n")
                continue
            scanner, first = _PageScanner(file), line
        else:
            key = ""  # this reading began in an earlier piece: it is no one piece's
        scanner.feed(piece.decode("utf-8", errors="replace"))
        line += piece.count(b"\n")
        if _parser_state(scanner) == _fresh_state():
            found = page.read(scanner, first)
            if key and not scanner.loads:
                verdicts.put(key, found)
            scanner = None
    if scanner is not None:  # the page ends inside a tag, a comment or a script
        scanner.close()
        page.read(scanner, first)
    features = frozenset(page_features(page.flags, page.srcs))
    return page.loads, Verdict(tuple(page.links), tuple(page.scripts), features)


def _css_unescape(match: re.Match) -> str:
    if match.group(1) is None:
        return match.group(2)
    code = int(match.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


OVERRIDES_HINT = (
    "files under the theme's custom_dir are published as they are: put the file inside "
    "that folder and reference it by a relative path, or remove the reference"
)
SITE_HINT = (
    "no page of the archive may make a reader's browser contact another host (it tells that host "
    "who reads): ship the file inside the site (overrides/) or remove it from mkdocs.yml"
)


def outside_problems(report: OutsideReport, folder: str, hint: str) -> list[Problem]:
    """One problem per URL and way of loading it (a theme-wide load shows once, with a count)."""
    return [
        Problem(
            f"{folder}/{f.file}",
            f.line,
            "outside request",
            f"{f.what} loads {f.url}" + (f" (and in {files - 1} more files)" if files > 1 else ""),
            f"because of {f.because}" if f.because else hint,
        )
        for f, files in report.grouped_loads()
    ]


def scan_css(text: str, file: str, first_line: int = 1) -> list[Finding]:
    text = _CSS_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)  # keep line numbers
    if "\\" in text:  # `\75 rl(` is `url(` to the browser
        text = _CSS_ESCAPE.sub(_css_unescape, text)
    found = []
    for pattern, what in ((_CSS_URL, "CSS url()"), (_CSS_IMPORT, "CSS @import")):
        for match in pattern.finditer(text):
            url = next(g for g in match.groups() if g is not None)
            if outside_host(url):
                found.append(Finding(file, first_line + text.count("\n", 0, match.start()), what, url))
    for match in _CSS_IMAGE_SET.finditer(text):
        for string in _CSS_STRING.finditer(match.group(1)):
            url = string.group(1) if string.group(1) is not None else string.group(2)
            if outside_host(url):
                found.append(Finding(file, first_line + text.count("\n", 0, match.start()), "CSS image-set()", url))
    return sorted(found, key=lambda f: f.line)


def scan_js(text: str, file: str, first_line: int = 1) -> list[Finding]:
    """Network URLs written as string literals: code that names a host is assumed to fetch from it."""
    found = []
    for match in _JS_URL.finditer(text):
        url = match.group()
        if url.rstrip("/") in XML_NAMESPACES or not outside_host(url.replace("\\\\", "\\")):
            continue
        found.append(Finding(file, first_line + text.count("\n", 0, match.start()), "script string", url))
    return found


def scan_json(text: str, file: str, verdicts: Verdicts | None = None) -> list[Finding]:
    """Data, not code: a bare URL string (a feed's `version`, a link) loads nothing, but a string
    holding markup (a search index's text, a feed's content_html) loads what that markup loads.
    With `verdicts`, markup cleared before is not parsed again (an edit changes one story's
    strings in the search index, not the other thousands)."""
    try:
        data = json.loads(text)
    except ValueError:
        return scan_js(text, file)  # not JSON after all: judge it as script
    found, stack = [], [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and "<" in value:
            key = content_key("markup", value.encode("utf-8", "surrogatepass")) if verdicts is not None else ""
            if verdicts is not None and verdicts.get(key) is not None:
                continue
            parser = _PageScanner(file)
            parser.feed(value)
            parser.close()
            found += parser.loads
            if verdicts is not None and not parser.loads:
                verdicts.put(key, Verdict())
    return found


def _judge_script_urls(scripts: list[Finding], pages: list[tuple[str, set[str]]], report: OutsideReport) -> None:
    for finding in scripts:
        rule = next((r for r in CONDITIONAL_LOADS if r.url.search(finding.url)), None)
        if rule is None:
            report.loads.append(finding)
            continue
        triggered = [page for page, features in pages if rule.feature in features]
        if not triggered:
            report.dormant.append(finding)
            continue
        more = f" and {len(triggered) - 1} more page(s)" if len(triggered) > 1 else ""
        report.loads.append(
            Finding(finding.file, finding.line, finding.what, finding.url, f"{rule.because}, on {triggered[0]}{more}")
        )


class _PageScanner(HTMLParser):
    """One HTML (or SVG) file: loads, links out, inline styles/scripts and page features."""

    def __init__(self, file: str):
        super().__init__(convert_charrefs=True)
        self.file = file
        self.loads: list[Finding] = []
        self.links: list[Finding] = []
        self.script_urls: list[Finding] = []
        self.script_srcs: list[str] = []
        self.has_mermaid = False
        self.has_source = False
        self._raw: tuple[str, int] | None = None  # inside <script> or <style>: (tag, first line)
        self._raw_text: list[str] = []

    def features(self) -> set[str]:
        return page_features(self.flags(), self.script_srcs)

    def flags(self) -> set[str]:
        """The features this text shows by itself (a piece of a page as much as a whole one)."""
        return {name for name, shown in (("mermaid", self.has_mermaid), ("source", self.has_source)) if shown}

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag in ("script", "style"):
            values = dict(attrs)
            kind = "json" if tag == "script" and _is_json_type(values.get("type") or "") else tag
            self._raw = (tag, self.getpos()[0], kind, values.get("id"))
            self._raw_text = []

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_data(self, data):
        if self._raw:
            self._raw_text.append(data)

    def handle_endtag(self, tag):
        if self._raw and tag == self._raw[0]:
            _, line, kind, element_id = self._raw
            text = "".join(self._raw_text)
            if kind == "style":
                self.loads += scan_css(text, self.file, line)
            elif kind == "json":  # a data island (e.g. a form's settings): read, never run
                self.loads += [Finding(f.file, line, f.what, f.url) for f in scan_json(text, self.file)]
                if element_id == "__config":
                    self.loads += _material_config_loads(text, self.file, line)
            else:
                self.script_urls += scan_js(text, self.file, line)
            self._raw = None

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and values.get("src"):
            self.script_srcs.append(values["src"])
        if tag == "pre" and "mermaid" in values.get("class", "").split():
            self.has_mermaid = True
        if values.get("data-md-component") == "source":
            self.has_source = True
        loading = _LOADING.get(tag, _LOADING["*"])
        links = _LINKS.get(tag, frozenset())
        if tag == "link" and LOADING_RELS.intersection(values.get("rel", "").lower().split()):
            loading = _LOADING_LINK
        for name, value in values.items():
            if name not in _READ_ATTRS and name not in loading and name not in links:
                continue  # (most attributes: class, id, lang...)
            if name in CSS_ATTRS:
                self.loads += scan_css(value, self.file, line)
            elif name == "content" and tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
                match = _REFRESH_URL.search(value)
                if match and outside_host(match.group(1).strip()):
                    self.loads.append(Finding(self.file, line, "<meta refresh>", match.group(1).strip()))
            elif name == "srcdoc":  # an inline document: it loads what its markup loads
                inner = _PageScanner(self.file)
                inner.feed(value)
                inner.close()
                self.loads += [Finding(f.file, line, f"<{tag} srcdoc> {f.what}", f.url) for f in inner.loads]
            elif name in loading or name in links:
                urls = _srcset_urls(value) if name.endswith("srcset") else value.split() if name == "ping" else [value]
                for url in urls:
                    if outside_host(url):
                        finding = Finding(self.file, line, f"<{tag} {name}>", url.strip())
                        (self.loads if name in loading else self.links).append(finding)


# Per element, precomputed (this runs for every tag of every page read): the attributes that load,
# those that link out, and those read whatever the element.
_LOADING = {tag: frozenset(names) | frozenset(LOADING_ATTRS["*"]) for tag, names in LOADING_ATTRS.items()}
_LOADING_LINK = _LOADING["*"] | {"href", "imagesrcset"}  # <link rel=stylesheet|icon|preload...>
_LINKS = {**{tag: frozenset(names) for tag, names in LINK_ATTRS.items()}, "link": frozenset({"href"})}
_READ_ATTRS = frozenset(CSS_ATTRS | {"content", "srcdoc"})


def page_features(flags: set[str] | frozenset[str], script_srcs: list[str] | tuple[str, ...]) -> set[str]:
    """A page's features: its flags, and whether it loads Material's bundle without the polyfill."""
    found = set(flags)
    loads_bundle = any("/javascripts/bundle." in f"/{src}" for src in script_srcs)
    if loads_bundle and not any("resize-observer" in src.lower() for src in script_srcs):
        found.add("no-resize-observer")
    return found


def _material_config_loads(text: str, file: str, line: int) -> list[Finding]:
    """Material's settings name what its bundle loads: the search worker, and `base` (versions.json)."""
    try:
        config = json.loads(text)
    except ValueError:
        return [Finding(file, line, "Material's __config", "(not JSON)")]
    found = []
    for key in ("search", "base"):
        value = config.get(key) if isinstance(config, dict) else None
        if isinstance(value, str) and outside_host(value):
            found.append(Finding(file, line, f"Material's __config {key}", value))
    return found


def _is_json_type(value: str) -> bool:
    """`<script type="application/json">` holds data the browser never runs or fetches from (an
    importmap or speculationrules block does make it fetch: those are read as script)."""
    mime = value.split(";")[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def _srcset_urls(value: str) -> list[str]:
    return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
