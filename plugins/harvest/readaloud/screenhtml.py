"""The read-aloud screens' HTML, written in Python: a story's title screen, its text screens and
its closing screen, as `harvest/_readaloud.html` wrote them (byte for byte).

A story page has about eight screens and a session page dozens: one template macro call each
cost more than the rest of the page's own markup, so the `harvest-readaloud` plugin writes
them here, once per page, and the templates print the result. Every value but the story's own
(sanitised) HTML is contributors' text: escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape


def screens_html(parts: Sequence[Mapping], story, ui_lang: str, item: Mapping | None = None) -> Markup:
    """Every screen of `parts` (readaloud.plugin.screen_views), each on its own indented line.
    `item`: the story's entry in a reading session, else None (a story page)."""
    lang = escape(story.lang)
    title = escape(story.title)
    ui = escape(ui_lang)
    out: list[str] = []
    add = out.append
    for part in parts:
        kind = part["kind"]
        extra = kind == "closing" or (kind == "title" and not item)
        add(
            f'\n    \n<section class="harvest-ra-section harvest-ra-screen--{escape(kind)}'
            f'{" harvest-ra-extra" if extra else ""}" id="read-aloud-{escape(part["index"])}"'
            f'\n  data-ra-progress="{escape(part["progress"])}"'
        )
        if kind != "closing":
            add(f' data-ra-time="{escape(part["time"])}"')
        if part["left"]:
            add(f' data-ra-left="{escape(part["left"])}"')
        add(f' data-ra-words="{escape(part["words"])}" data-ra-seconds="{escape(part["seconds"])}">')
        if kind == "title":
            facts = part["title"]
            if item:
                add(
                    f'\n  <p class="harvest-session-reader" lang="{ui}">{escape(item["context"])} · about '
                    f'{escape(item["time"])} aloud<span class="harvest-noprint"> · <a href="{escape(item["url"])}">'
                    f"story page</a></span></p>"
                )
            heading_id = f' id="story-{escape(item["number"])}"' if item else ""
            add(f'\n  <h2 class="harvest-ra-heading"{heading_id}>{title}</h2>')
            add(f'\n  <dl class="harvest-ra-facts" lang="{ui}">')
            if facts["credits"]:
                add(f"<div><dt>Shared by</dt><dd>{escape(facts['credits'])}</dd></div>")
            if facts["place"]:
                add(f'<div><dt>Where</dt><dd lang="{lang}">{escape(facts["place"])}</dd></div>')
            add(
                f'\n    <div><dt>When</dt><dd><time datetime="{escape(facts["date_iso"])}" lang="{lang}">'
                f"{escape(facts['date'])}</time></dd></div>"
                f"\n    <div><dt>Event</dt><dd>{escape(facts['event'])}</dd></div>\n  </dl>"
            )
        elif kind == "closing":
            closing = part["closing"]
            credits = closing["credits"]
            thanks = f"Thanks to {escape(credits)} for sharing this story." if credits else "Thanks for listening."
            add(
                f'\n  <div class="harvest-ra-closing__main" lang="{ui}">'
                '\n  <h2 class="harvest-ra-heading">Thank you</h2>'
                f'\n  <p class="harvest-ra-thanks">{thanks}</p>'
            )
            following = closing["next"]
            if following:
                add(
                    f'\n  <div class="harvest-ra-next">\n    <p class="harvest-ra-next__label">Next: '
                    f"{escape(following['context'])}</p>"
                    f'\n    <p class="harvest-ra-next__title" lang="{escape(following["story"].lang)}">'
                    f"{escape(following['story'].title)}</p>"
                    f'\n    <p><a class="harvest-ra-go" href="#read-aloud-{escape(following["start"])}">'
                    f"Go on to the next story</a>"
                    '\n      <span class="harvest-ra-keys">or press <kbd>→</kbd> or <kbd>Space</kbd></span></p>'
                    "\n  </div>"
                )
            elif closing["session"]:
                add(
                    '\n  <p class="harvest-ra-next__label">That was the last story of this session.</p>'
                    '\n  <p><a class="harvest-ra-go" href="#running-order">Back to the running order</a></p>'
                )
            else:
                add(
                    '\n  <p><a class="harvest-ra-go" href="#">Back to the story page</a> '
                    '<span class="harvest-ra-keys">or press <kbd>Esc</kbd></span></p>'
                )
            add(f'\n  </div>\n  <div class="harvest-ra-join-slot" lang="{ui}"></div>')
        else:
            add(f"\n  {part['html']}")  # the story's own HTML, sanitised by the core
        add("\n</section>")
    return Markup("".join(out))
