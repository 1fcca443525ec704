"""Clean an imported post's Markdown: keep the text, drop what only the old site understood.

- Liquid (`{% … %}`, `{{ … }}`) and Hugo shortcodes (`{{< … >}}`, `{{% … %}}`) are
  converted where the meaning is simple (a figure becomes an image, a highlight
  block a code fence, a video a plain link) and otherwise removed with a note
  naming the line. Code (fences, inline code, `{% raw %}`) is never touched.
- Raw HTML goes through the project's sanitiser tag by tag: the text stays, scripts,
  embeds, event handlers and styles go.
- A link to another post imported in the same run (every form the generators write:
  `{% post_url %}`, `{{< ref >}}`, permalinks, `../posts/x.md`) becomes a link to that
  story (`story_link`; the run writes the relative path once it knows which stories made
  it). Other links into the old site keep only their text, with a note.
- A local image the old site showed is copied next to the story without its metadata
  (`image`); one that cannot be found keeps its alt text, with a note saying which file
  to bring over. Images are never loaded from other hosts: a remote image becomes a
  plain link, unless the import was asked to fetch it once (`image` again).
- Material/pymdownx blocks (admonitions, details, tabs) and emoji shortcodes are
  converted to what the archive renders by itself (see `pymdown.py`).
- Headings that match a harvest prompt become `## prompt` sections; other top-level
  headings become `###`, so the story's structure stays the prompts'.

Every pass keeps the number of lines, so notes point at the source file's lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markupsafe import Markup

from harvest.core.prompts import PromptMatcher
from harvest.core.sanitize import TAGS, clean_html
from harvest.importer.pymdown import convert_blocks, has_blocks, replace_shortcodes

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LIQUID_HIGHLIGHT = re.compile(r"^\s*\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}\s*$")
_LIQUID_END_HIGHLIGHT = re.compile(r"^\s*\{%-?\s*endhighlight\s*-?%\}\s*$")
_HUGO_HIGHLIGHT = re.compile(r"^\s*\{\{[<%]\s*highlight\s+\"?([\w+#.-]+)\"?[^}]*[>%]\}\}\s*$")
_HUGO_END_HIGHLIGHT = re.compile(r"^\s*\{\{[<%]\s*/\s*highlight\s*[>%]\}\}\s*$")
# Protected spans inside ordinary text: Liquid raw blocks and inline code (not across a blank line).
_PROTECTED = re.compile(
    r"\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}"
    r"|(?P<ticks>`+)(?:(?!\n[ \t]*\n).)+?(?P=ticks)",
    re.S,
)
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
DROP_WITH_CONTENT = (
    "script",
    "style",
    "iframe",
    "noscript",
    "template",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "select",
    "textarea",
    "button",
    "canvas",
    "audio",
    "video",
)
_DANGEROUS_ELEMENT = re.compile(r"<(" + "|".join(DROP_WITH_CONTENT) + r")\b[^>]*>.*?</\1\s*>", re.S | re.I)
# A tag: a quoted attribute value may hold `>` or `<` (as a browser reads it); an unmatched quote is
# an ordinary character. The atomic group keeps a line of stray quotes from backtracking for ever.
_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)(\s(?>"[^"\n]*"|'[^'\n]*'|[^<>"']|["'])*)?/?>""", re.S)
_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_LINK = re.compile(
    r"(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S*?)>?(?:\s+.*)?$")
_REF_USE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\[([^\]]*)\]")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|(?=[^#\s]))(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_NOT_PARAGRAPH = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|<|#|$)")
SHORTCODE_LINE = re.compile(r"[^\n]*:[a-z0-9+-][a-z0-9_+-]*:[^\n]*")  # a line that may hold an emoji shortcode
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_SCHEMES = ("http", "https", "mailto")
VIDEO_SITES = {"youtube": "YouTube", "vimeo": "Vimeo"}
IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|avif)(?:[?#].*)?$", re.I)
STORY_LINK = "harvest-import:"  # a link to an imported story, by id, until the run knows its path
POST_URL, HUGO_REF, SITE_FILE = "post-url:", "hugo-ref:", "site-file:"  # generator link forms, to resolve
_LINK_TOKEN = re.compile("\x01([^\x01\n]*)\x01")  # a generator's link tag, until the link around it reads it
_KEPT = re.compile("\x00(\\d+)\x00")  # Markdown this pass wrote, kept out of the later patterns


@dataclass
class Notes:
    """What the clean-up changed or dropped, by source line (deduplicated, in order)."""

    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        if (line, message) not in self.items:
            self.items.append((line, message))


class _FirstTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        if self.attrs is None:  # names lower-cased, entities decoded; the first of a repeated name wins
            self.attrs = {}
            for key, value in attrs:
                self.attrs.setdefault(key, value or "")


def tag_attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag, read as a browser reads them (the standard library's parser)."""
    parser = _FirstTag()
    parser.feed(tag)
    parser.close()
    return parser.attrs or {}


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


def _link_token(kind: str, target: str) -> str:
    return f"\x01{kind}{target.replace(' ', '%20')}\x01"


def _video_link(service: str, video: str) -> str | None:
    if not re.fullmatch(r"[\w-]+", video or ""):
        return None
    url = {"youtube": f"https://www.youtube.com/watch?v={video}", "vimeo": f"https://vimeo.com/{video}"}[service]
    return f"[Video on {VIDEO_SITES[service]}]({url})"


def _no_story(url: str) -> str | None:
    return None


def _no_image(src: str) -> tuple[str | None, str | None]:
    return None, None


class BodyCleaner:
    """Clean one post's body. `lookup(name)` gives the post's own front-matter values (for `{{ page.x }}`);
    `story_link(url)` the id of the imported story a link leads to (or None); `image(src)` the
    reference of the image's copy next to the story, or None and why not (None, None: not found)."""

    def __init__(
        self,
        matcher: PromptMatcher,
        lookup: Callable[[str], object] = lambda name: None,
        story_link: Callable[[str], str | None] = _no_story,
        image: Callable[[str], tuple[str | None, str | None]] = _no_image,
    ):
        self.matcher = matcher
        self.lookup = lookup
        self.story_link = story_link
        self.place_image = image

    def clean(self, body: str, first_line: int) -> tuple[str, Notes]:
        notes = Notes()
        lines = self._code_blocks(body.split("\n"))
        pieces, cursor_line = [], first_line
        for protected, chunk in _segments(lines):
            pieces.append(chunk if protected else self._text(chunk, cursor_line, notes))
            cursor_line += chunk.count("\n")
        text = self._structure("".join(pieces), first_line, notes)
        return _LINK_TOKEN.sub("", text), notes  # a link tag outside any link: nothing to show

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
            elif opening := _LIQUID_HIGHLIGHT.match(line) or _HUGO_HIGHLIGHT.match(line):
                highlight = _LIQUID_END_HIGHLIGHT if line.lstrip().startswith("{%") else _HUGO_END_HIGHLIGHT
                line = "```" + opening.group(1)
            elif marker := _FENCE.match(line):
                fence = marker.group(1)[0] * 3
            out.append(line)
        return out

    # --- stage 2: inline clean-up of ordinary text ----------------------------------------------

    def _text(self, chunk: str, first_line: int, notes: Notes) -> str:
        out, cursor = [], 0
        for match in _PROTECTED.finditer(chunk):
            out.append(self._inline(chunk[cursor : match.start()], first_line + chunk.count("\n", 0, cursor), notes))
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

        self._kept: list[str] = []
        text = sub(_SHORTCODE, lambda m, line: self._shortcode(m, line, notes))
        text = sub(_LIQUID_TAG, lambda m, line: self._liquid_tag(m, line, notes))
        text = sub(_LIQUID_OUTPUT, lambda m, line: self._liquid_output(m, line, notes))
        text = sub(_DANGEROUS_ELEMENT, lambda m, line: self._dropped_element(m, line, notes))
        dropped_anchors = [0]
        text = sub(_TAG, lambda m, line: self._html_tag(m, line, notes, dropped_anchors))
        text = sub(_IMAGE, lambda m, line: self._image(m.group(2), m.group(1), line, notes))
        text = sub(_LINK, lambda m, line: self._link(m, line, notes))
        text = sub(SHORTCODE_LINE, lambda m, line: self._emoji(m.group(0), line, notes))
        return _KEPT.sub(lambda m: self._kept[int(m.group(1))], text)

    def _keep(self, markdown: str) -> str:
        """`markdown` is final: later patterns of this pass must not read it again."""
        self._kept.append(markdown)
        return f"\x00{len(self._kept) - 1}\x00"

    def _emoji(self, text: str, line: int, notes: Notes) -> str:
        dropped: list[str] = []
        text = replace_shortcodes(text, dropped)
        for code in dropped:
            notes.add(line, f"icon `{code}` removed (Material draws it with an SVG the archive does not keep)")
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
            return self._image(
                named["src"], named.get("alt", ""), line, notes, caption=named.get("caption") or named.get("title", "")
            )
        if name in ("ref", "relref"):  # the link around it leads to that post, or keeps its text (see _link)
            return _link_token(HUGO_REF, positional[0] if positional else named.get("path", ""))
        if name in ("youtube", "vimeo"):
            link = _video_link(name, named.get("id") or (positional[0] if positional else ""))
            if link:
                return link
        if name == "param" and positional and isinstance(self.lookup(positional[0]), (str, int, float)):
            return str(self.lookup(positional[0]))
        close = ">" if match.group(1) == "<" else "%"
        notes.add(
            line,
            f"Hugo shortcode `{{{{{match.group(1)} {name}{' …' if rest.strip() else ''} {close}}}}}` "
            "removed (any text between it and its closing tag is kept)",
        )
        return ""

    def _liquid_tag(self, match: re.Match, line: int, notes: Notes) -> str:
        name, _, rest = match.group(1).strip().partition(" ")
        name = name.lower()
        if name in ("raw", "endraw", "endhighlight"):
            return ""
        if name in ("link", "post_url"):  # the link around it leads to that post, or keeps its text (see _link)
            target = rest.strip().split()[0] if rest.strip() else ""
            return _link_token(POST_URL if name == "post_url" else SITE_FILE, target.strip("\"'"))
        if name == "include":
            _, named = _args(rest)
            src = next(
                (
                    v
                    for k, v in named.items()
                    if k in ("image_path", "src", "image", "url", "file", "path") and IMAGE_FILE.search(v)
                ),
                None,
            )
            if src:
                return self._image(
                    src, named.get("alt", ""), line, notes, caption=named.get("caption") or named.get("title", "")
                )
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
        notes.add(
            line,
            f"HTML <{match.group(1).lower()}> removed with its content (the archive never runs or embeds anything)",
        )
        return ""

    def _html_tag(self, match: re.Match, line: int, notes: Notes, dropped_anchors: list[int]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            if name == "a" and dropped_anchors[0]:
                dropped_anchors[0] -= 1
                return ""
            return f"</{name}>" if name in TAGS else ""
        values = tag_attributes(match.group(0))
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
        copied = self._copied(src, kind, alt, line, notes)
        if copied is not None:
            return copied
        if kind == "external":
            notes.add(line, f"remote image {src} turned into a link (the archive never loads other sites)")
            return clean_html(Markup('<a href="{}">{}</a>').format(_external(src), alt or "Image"))
        self._image_note(src, kind, line, notes)
        return html.escape(alt, quote=False)  # stays text in the Markdown

    def _image(self, src: str, alt: str, line: int, notes: Notes, caption: str = "") -> str:
        kind = target_kind(src)
        label = " ".join((alt or caption).split())
        copied = self._copied(src, kind, label, line, notes)
        if copied is not None:
            return copied
        if kind == "external":
            notes.add(line, f"remote image {src} turned into a link (the archive never loads other sites)")
            return f"[{label or 'Image'}]({_external(src)})"
        self._image_note(src, kind, line, notes)
        return f"*(image: {label})*" if label else ""

    def _copied(self, src: str, kind: str, label: str, line: int, notes: Notes) -> str | None:
        """The image as Markdown pointing at its copy next to the story, or None (not copied)."""
        if kind not in ("internal", "external"):
            return None
        reference, problem = self.place_image(src)
        if problem:
            notes.add(line, problem)
        if reference is None:
            return None
        alt = label.replace("[", "(").replace("]", ")")
        return self._keep(f"![{alt}]({reference})")

    @staticmethod
    def _image_note(src: str, kind: str, line: int, notes: Notes) -> None:
        if kind == "internal":
            notes.add(
                line,
                f"image '{src}' not imported: copy it next to the story file and add it back (e.g. under `images:`)",
            )
        else:
            notes.add(line, "image removed (not a file the archive can publish)")

    def _link(self, match: re.Match, line: int, notes: Notes) -> str:
        text, target = match.group(1), _LINK_TOKEN.sub(r"\1", match.group(2))
        story = self.story_link(target) if not target.startswith("#") else None
        if story:
            return self._keep(f"[{text}]({STORY_LINK}{story})")
        if target.startswith((POST_URL, HUGO_REF, SITE_FILE)):
            notes.add(
                line,
                f"link to '{target.split(':', 1)[1]}' removed: it pointed into the old site, to a post "
                "not in this import (its text is kept)",
            )
            return text
        if target_kind(target) in ("external", "anchor"):
            return match.group(0).replace(target, _external(target), 1) if target.startswith("//") else match.group(0)
        self._link_note(target, line, notes)
        return text

    @staticmethod
    def _link_note(target: str, line: int, notes: Notes) -> None:
        if target_kind(target) == "bad":
            notes.add(line, f"unsafe link '{target[:40]}' removed (its text is kept)")
        else:
            notes.add(
                line,
                f"link to '{target or 'another page of the old site'}' removed: it pointed into the "
                "old site (its text is kept)",
            )

    # --- stage 3: structure (line by line, outside code fences) ---------------------------------

    def _structure(self, text: str, first_line: int, notes: Notes) -> str:
        lines = text.split("\n")
        internal_refs = set()
        story_refs: dict[str, str] = {}
        fence = None
        for index, line in enumerate(lines):  # reference definitions into the old site go
            fence = fence_state(line, fence)
            definition = None if fence else _REF_DEF.match(line)
            if definition is None:
                continue
            label = definition.group(1).casefold()
            target = _LINK_TOKEN.sub(r"\1", definition.group(2))
            story = self.story_link(target) if not target.startswith("#") else None
            if story:
                story_refs[label] = story
                lines[index] = ""
            elif target_kind(target) not in ("external", "anchor"):
                internal_refs.add(label)
                self._link_note(target, first_line + index, notes)
                lines[index] = ""
        out: list[str] = []
        fence = None
        for index, line in enumerate(lines):
            was_fence: str | None = fence
            fence = fence_state(line, fence)
            if was_fence or fence:
                out.append(line)
                continue
            if internal_refs or story_refs:
                line = _REF_USE.sub(lambda m: _ref_text(m, internal_refs, story_refs), line)
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
        if has_blocks(text):
            out = convert_blocks(out)
        return _collapse_blank_lines(out)

    def _heading(self, text: str, level: int) -> str:
        text = text.strip()
        if self.matcher.match(text):
            return f"## {text}"
        return f"### {text}" if level <= 2 else f"{'#' * level} {text}"


def _ref_text(match: re.Match, internal: set[str], stories: dict[str, str]) -> str:
    is_image, text, ref = match.groups()
    story = stories.get((ref or text).casefold())
    if story and not is_image:
        return f"[{text}]({STORY_LINK}{story})"
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
