"""Clean an imported post's Markdown: keep the text, drop what only the old site understood.

- Liquid (`{% … %}`, `{{ … }}`) and Hugo shortcodes (`{{< … >}}`, `{{% … %}}`) are
  converted where the meaning is simple (a figure becomes an image, a highlight
  block a code fence, a video a plain link) and otherwise removed with a note
  naming the line. Code (fences, inline code, `{% raw %}`) is never touched.
- Raw HTML goes through the project's sanitiser tag by tag: the text stays, scripts,
  embeds, event handlers and styles go.
- Links and images into the old site cannot resolve in the archive (and would fail
  the strict build), so a link keeps only its text, and an image keeps its alt text
  with a note saying which file to bring over. Images are never loaded from other
  hosts: a remote image becomes a plain link.
- Headings that match a harvest prompt become `## prompt` sections; other top-level
  headings become `###`, so the story's structure stays the prompts'.

Every pass keeps the number of lines, so notes point at the source file's lines.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from harvest.core.prompts import PromptMatcher
from harvest.core.sanitize import TAGS, clean_html

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LIQUID_HIGHLIGHT = re.compile(r"^\s*\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}\s*$")
_LIQUID_END_HIGHLIGHT = re.compile(r"^\s*\{%-?\s*endhighlight\s*-?%\}\s*$")
_HUGO_HIGHLIGHT = re.compile(r"^\s*\{\{[<%]\s*highlight\s+\"?([\w+#.-]+)\"?[^}]*[>%]\}\}\s*$")
_HUGO_END_HIGHLIGHT = re.compile(r"^\s*\{\{[<%]\s*/\s*highlight\s*[>%]\}\}\s*$")
# Protected spans inside ordinary text: Liquid raw blocks and inline code (not across a blank line).
_PROTECTED = re.compile(r"\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}"
                        r"|(?P<ticks>`+)(?:(?!\n[ \t]*\n).)+?(?P=ticks)", re.S)
_RAW_MARKER = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_HUGO_COMMENT = re.compile(r"\{\{<?\s*/\*.*?\*/\s*>?\}\}", re.S)
_IN_PARAGRAPH = r"(?:(?!\n[ \t]*\n).)*?"  # lazily, without crossing a blank line
_SHORTCODE = re.compile(r"\{\{([<%])(" + _IN_PARAGRAPH + r")[>%]\}\}", re.S)
_LIQUID_TAG = re.compile(r"\{%-?(" + _IN_PARAGRAPH + r")-?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{-?(" + _IN_PARAGRAPH + r")-?\}\}", re.S)
_KRAMDOWN_TOC = re.compile(r"^[ \t]*[*-][ \t]+TOC[ \t]*\n[ \t]*\{:[ \t]*toc[ \t]*\}[ \t]*$|\{:[ \t]*toc[ \t]*\}", re.M)
_ARG = re.compile(r"""(?:(\w+)=)?(?:"([^"]*)"|'([^']*)'|(\S+))""")
DROP_WITH_CONTENT = ("script", "style", "iframe", "noscript", "template", "object", "embed", "svg", "math",
                     "form", "select", "textarea", "button", "canvas", "audio", "video")
_DANGEROUS_ELEMENT = re.compile(rf"<({'|'.join(DROP_WITH_CONTENT)})\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*?)?\s*(/?)>", re.S)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S*?)>?(?:\s+.*)?$")
_REF_USE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\[([^\]]*)\]")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|(?=[^#\s]))(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_NOT_PARAGRAPH = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|<|#|$)")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_SCHEMES = ("http", "https", "mailto")
VIDEO_SITES = {"youtube": "YouTube", "vimeo": "Vimeo"}
IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|avif)(?:[?#].*)?$", re.I)


@dataclass
class Notes:
    """What the clean-up changed or dropped, by source line (deduplicated, in order)."""
    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        if (line, message) not in self.items:
            self.items.append((line, message))


def target_kind(url: str) -> str:
    """external (kept), anchor (kept), empty, bad (unsafe scheme) or internal (into the old site)."""
    url = url.strip()
    if not url:
        return "empty"
    if url.startswith("#"):
        return "anchor"
    if url.startswith("//"):
        return "external"
    scheme = _SCHEME.match(url)
    if scheme:
        return "external" if scheme.group(1).lower() in SAFE_SCHEMES else "bad"
    return "internal"


def _external(url: str) -> str:
    return "https:" + url if url.startswith("//") else url


def _same_lines(original: str, replacement: str) -> str:
    """`replacement` padded with the newlines `original` spanned (so later lines keep their numbers)."""
    missing = original.count("\n") - replacement.count("\n")
    if missing < 0:
        return " ".join(replacement.split("\n"))
    return replacement + "\n" * missing


def _args(text: str) -> tuple[list[str], dict[str, str]]:
    positional, named = [], {}
    for match in _ARG.finditer(text):
        key, value = match.group(1), next((g for g in match.group(2, 3, 4) if g is not None), "")
        if key:
            named[key.lower()] = value
        else:
            positional.append(value)
    return positional, named


def _video_link(service: str, video: str) -> str | None:
    if not re.fullmatch(r"[\w-]+", video or ""):
        return None
    url = {"youtube": f"https://www.youtube.com/watch?v={video}", "vimeo": f"https://vimeo.com/{video}"}[service]
    return f"[Video on {VIDEO_SITES[service]}]({url})"


class BodyCleaner:
    """Clean one post's body. `lookup(name)` gives the post's own front-matter values (for `{{ page.x }}`)."""

    def __init__(self, matcher: PromptMatcher, lookup: Callable[[str], object] = lambda name: None):
        self.matcher = matcher
        self.lookup = lookup

    def clean(self, body: str, first_line: int) -> tuple[str, Notes]:
        notes = Notes()
        lines = self._code_blocks(body.split("\n"))
        pieces, cursor_line = [], first_line
        for protected, chunk in _segments(lines):
            pieces.append(chunk if protected else self._text(chunk, cursor_line, notes))
            cursor_line += chunk.count("\n")
        text = self._structure("".join(pieces), first_line, notes)
        return text, notes

    # --- stage 1: Liquid/Hugo highlight blocks become code fences ------------------------------

    @staticmethod
    def _code_blocks(lines: list[str]) -> list[str]:
        out, fence, highlight = [], None, None
        for line in lines:
            if highlight:
                if highlight.match(line):
                    line, highlight = "```", None
            elif fence:
                marker = _FENCE.match(line)
                if marker and marker.group(1).startswith(fence):
                    fence = None
            elif (opening := _LIQUID_HIGHLIGHT.match(line) or _HUGO_HIGHLIGHT.match(line)):
                highlight = _LIQUID_END_HIGHLIGHT if line.lstrip().startswith("{%") else _HUGO_END_HIGHLIGHT
                line = "```" + opening.group(1)
            elif (marker := _FENCE.match(line)):
                fence = marker.group(1)[0] * 3
            out.append(line)
        return out

    # --- stage 2: inline clean-up of ordinary text ----------------------------------------------

    def _text(self, chunk: str, first_line: int, notes: Notes) -> str:
        out, cursor = [], 0
        for match in _PROTECTED.finditer(chunk):
            out.append(self._inline(chunk[cursor:match.start()], first_line + chunk.count("\n", 0, cursor), notes))
            code = match.group("raw") if match.group("raw") is not None else match.group(0)
            out.append(_RAW_MARKER.sub("", code))
            cursor = match.end()
        out.append(self._inline(chunk[cursor:], first_line + chunk.count("\n", 0, cursor), notes))
        return "".join(out)

    def _inline(self, text: str, first_line: int, notes: Notes) -> str:
        for pattern in (_HTML_COMMENT, _LIQUID_COMMENT, _HUGO_COMMENT, _KRAMDOWN_TOC):
            text = pattern.sub(lambda m: _same_lines(m.group(0), ""), text)

        def sub(pattern: re.Pattern, handler) -> str:
            def replace(match: re.Match) -> str:
                line = first_line + match.string.count("\n", 0, match.start())
                return _same_lines(match.group(0), handler(match, line))
            return pattern.sub(replace, text)

        text = sub(_SHORTCODE, lambda m, line: self._shortcode(m, line, notes))
        text = sub(_LIQUID_TAG, lambda m, line: self._liquid_tag(m, line, notes))
        text = sub(_LIQUID_OUTPUT, lambda m, line: self._liquid_output(m, line, notes))
        text = sub(_DANGEROUS_ELEMENT, lambda m, line: self._dropped_element(m, line, notes))
        dropped_anchors = [0]
        text = sub(_TAG, lambda m, line: self._html_tag(m, line, notes, dropped_anchors))
        text = sub(_IMAGE, lambda m, line: self._image(m.group(2), m.group(1), line, notes))
        text = sub(_LINK, lambda m, line: self._link(m, line, notes))
        return text

    def _shortcode(self, match: re.Match, line: int, notes: Notes) -> str:
        inner = match.group(2).strip()
        closing = inner.startswith("/")
        name, _, rest = inner.lstrip("/").strip().partition(" ")
        name = name.lower()
        if closing:
            return ""  # the opening tag was converted or reported
        positional, named = _args(rest)
        if name == "figure" and named.get("src"):
            return self._image(named["src"], named.get("alt", ""), line, notes,
                               caption=named.get("caption") or named.get("title", ""))
        if name in ("ref", "relref"):
            return ""  # the link around it keeps its text (see _link)
        if name in ("youtube", "vimeo"):
            link = _video_link(name, named.get("id") or (positional[0] if positional else ""))
            if link:
                return link
        if name == "param" and positional and isinstance(self.lookup(positional[0]), (str, int, float)):
            return str(self.lookup(positional[0]))
        close = ">" if match.group(1) == "<" else "%"
        notes.add(line, f"Hugo shortcode `{{{{{match.group(1)} {name}{' …' if rest.strip() else ''} {close}}}}}` "
                        "removed (any text between it and its closing tag is kept)")
        return ""

    def _liquid_tag(self, match: re.Match, line: int, notes: Notes) -> str:
        name, _, rest = match.group(1).strip().partition(" ")
        name = name.lower()
        if name in ("raw", "endraw", "endhighlight"):
            return ""
        if name in ("link", "post_url"):
            return ""  # the link around it keeps its text (see _link)
        if name == "include":
            _, named = _args(rest)
            src = next((v for k, v in named.items() if k in ("image_path", "src", "image", "url", "file", "path")
                        and IMAGE_FILE.search(v)), None)
            if src:
                return self._image(src, named.get("alt", ""), line, notes,
                                   caption=named.get("caption") or named.get("title", ""))
        if name == "youtube":
            link = _video_link("youtube", rest.strip().strip("\"'"))
            if link:
                return link
        notes.add(line, f"Liquid tag `{{% {name}{' …' if rest.strip() else ''} %}}` removed")
        return ""

    def _liquid_output(self, match: re.Match, line: int, notes: Notes) -> str:
        expression = match.group(1).split("|")[0].strip()
        quoted = re.fullmatch(r"""(["'])(.*)\1""", expression, re.S)
        if quoted:
            return quoted.group(2)
        if expression in ("site.baseurl", "site.url", "site.github.url", "base_path"):
            return ""  # a prefix for the old site's addresses; the link itself is handled below
        if expression.startswith("page."):
            value = self.lookup(expression[5:])
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                return str(value)
        notes.add(line, f"Liquid value `{{{{ {expression} }}}}` removed")
        return ""

    def _dropped_element(self, match: re.Match, line: int, notes: Notes) -> str:
        notes.add(line, f"HTML <{match.group(1).lower()}> removed with its content (the archive never runs or "
                        "embeds anything)")
        return ""

    def _html_tag(self, match: re.Match, line: int, notes: Notes, dropped_anchors: list[int]) -> str:
        closing, name, attrs, _ = match.groups()
        name, attrs = name.lower(), attrs or ""
        if closing:
            if name == "a" and dropped_anchors[0]:
                dropped_anchors[0] -= 1
                return ""
            return f"</{name}>" if name in TAGS else ""
        values = {m.group(1).lower(): next(g for g in m.group(2, 3, 4) if g is not None) for m in _ATTR.finditer(attrs)}
        if name in DROP_WITH_CONTENT or name not in TAGS:
            notes.add(line, f"HTML <{name}> removed (its text is kept)")
            return ""
        if name == "img":
            return self._html_image(values, line, notes)
        if name == "a" and "href" in values and target_kind(values["href"]) not in ("external", "anchor"):
            dropped_anchors[0] += 1
            self._link_note(values.get("href", ""), line, notes)
            return ""
        if any(key.startswith("on") or key == "style" for key in values):
            notes.add(line, f"HTML <{name}>: scripts and styles removed from its attributes")
        cleaned = clean_html(match.group(0), namespace=False)  # the build namespaces ids
        opening = re.match(r"<[^>]*>", cleaned)
        if not opening:
            return ""
        tag = opening.group(0)
        if values.get("markdown") in ("1", "block", "span"):  # md_in_html: Markdown inside stays Markdown
            tag = tag[:-1] + f' markdown="{values["markdown"]}">'
        return tag

    def _html_image(self, values: dict, line: int, notes: Notes) -> str:
        src, alt = values.get("src", ""), values.get("alt", "")
        kind = target_kind(src)
        if kind == "external":
            notes.add(line, f"remote image {src} turned into a link (the archive never loads other sites)")
            return clean_html(f'<a href="{_external(src)}">{alt or "Image"}</a>')
        self._image_note(src, kind, line, notes)
        return alt

    def _image(self, src: str, alt: str, line: int, notes: Notes, caption: str = "") -> str:
        kind = target_kind(src)
        label = " ".join((alt or caption).split())
        if kind == "external":
            notes.add(line, f"remote image {src} turned into a link (the archive never loads other sites)")
            return f"[{label or 'Image'}]({_external(src)})"
        self._image_note(src, kind, line, notes)
        return f"*(image: {label})*" if label else ""

    @staticmethod
    def _image_note(src: str, kind: str, line: int, notes: Notes) -> None:
        if kind == "internal":
            notes.add(line, f"image '{src}' not imported: copy it next to the story file and add it back "
                            "(e.g. under `images:`)")
        else:
            notes.add(line, "image removed (not a file the archive can publish)")

    def _link(self, match: re.Match, line: int, notes: Notes) -> str:
        text, target = match.group(1), match.group(2)
        if target_kind(target) in ("external", "anchor"):
            return match.group(0).replace(target, _external(target), 1) if target.startswith("//") else match.group(0)
        self._link_note(target, line, notes)
        return text

    @staticmethod
    def _link_note(target: str, line: int, notes: Notes) -> None:
        if target_kind(target) == "bad":
            notes.add(line, f"unsafe link '{target[:40]}' removed (its text is kept)")
        else:
            notes.add(line, f"link to '{target or 'another page of the old site'}' removed: it pointed into the "
                            "old site (its text is kept)")

    # --- stage 3: structure (line by line, outside code fences) ---------------------------------

    def _structure(self, text: str, first_line: int, notes: Notes) -> str:
        lines = text.split("\n")
        internal_refs = set()
        fence: str | None = None
        for index, line in enumerate(lines):  # reference definitions into the old site go
            fence = fence_state(line, fence)
            definition = None if fence else _REF_DEF.match(line)
            if definition and target_kind(definition.group(2)) not in ("external", "anchor"):
                internal_refs.add(definition.group(1).casefold())
                self._link_note(definition.group(2), first_line + index, notes)
                lines[index] = ""
        out: list[str] = []
        fence = None
        for index, line in enumerate(lines):
            was_fence: str | None = fence
            fence = fence_state(line, fence)
            if was_fence or fence:
                out.append(line)
                continue
            if internal_refs:
                line = _REF_USE.sub(lambda m: _ref_text(m, internal_refs), line)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            previous = out[-1] if out else ""
            atx = _ATX.match(line)
            if atx:
                line = self._heading(atx.group(2), len(atx.group(1)))
            elif _SETEXT.match(following) and line.strip() and not _NOT_PARAGRAPH.match(line) and not previous.strip():
                line = self._heading(line.strip(), 1 if following.strip()[0] == "=" else 2)
                lines[index + 1] = ""
            else:
                bold = _BOLD_LINE.match(line)
                if bold and not previous.strip() and self.matcher.match(bold.group(2)):
                    line = f"## {bold.group(2).strip()}"
            out.append(line)
        return _collapse_blank_lines(out)

    def _heading(self, text: str, level: int) -> str:
        text = text.strip()
        if self.matcher.match(text):
            return f"## {text}"
        return f"### {text}" if level <= 2 else f"{'#' * level} {text}"


def _ref_text(match: re.Match, internal: set[str]) -> str:
    is_image, text, ref = match.groups()
    if (ref or text).casefold() not in internal:
        return match.group(0)
    return f"*(image: {text})*" if is_image and text else ("" if is_image else text)


def fence_state(line: str, fence: str | None) -> str | None:
    marker = _FENCE.match(line)
    if not marker:
        return fence
    if fence is None:
        return marker.group(1)[0] * 3
    return None if marker.group(1).startswith(fence) else fence


def _segments(lines: list[str]) -> list[tuple[bool, str]]:
    """(is code, text) runs: fenced code blocks are protected, everything else is text."""
    segments: list[tuple[bool, list[str]]] = []
    fence = None
    for line in lines:
        was_fence = fence
        fence = fence_state(line, fence)
        protected = bool(was_fence or fence)
        if segments and segments[-1][0] == protected:
            segments[-1][1].append(line)
        else:
            segments.append((protected, [line]))
    result = []
    for index, (protected, chunk) in enumerate(segments):
        text = "\n".join(chunk) + ("\n" if index < len(segments) - 1 else "")
        if protected:
            text = _RAW_MARKER.sub("", text)
        result.append((protected, text))
    return result


def _collapse_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    fence: str | None = None
    blank = False
    for line in lines:
        was_fence = fence
        fence = fence_state(line, fence)
        if not (was_fence or fence) and not line.strip():
            if blank:
                continue
            blank = True
            out.append("")
            continue
        blank = False
        out.append(line)
    return "\n".join(out).strip("\n")
