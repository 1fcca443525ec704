"""A digest as an email: plain text (72 columns), HTML (CSS inlined, tables, 600 px) and a
ready-to-send `multipart/alternative` .eml holding both.

The HTML loads nothing: no images, scripts, stylesheets or fonts, so opening the email
tells no one that it was read. Links go to the site only when its address is known.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

import css_inline

from harvest.core.templating import template_env
from harvest.digests.render import html_text, wrap
from harvest.digests.view import DigestView

EMAIL_TEMPLATE = "harvest/digest-email.html"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    eml: bytes


def subject(view: DigestView) -> str:
    return f"{view.title} · {view.site_name}"


def render_text(view: DigestView) -> str:
    lines: list[str] = []

    def heading(text: str, rule: str = "-"):
        lines.extend([text, rule * min(len(text), 72), ""])

    def paragraph(text: str, indent: str = ""):
        lines.extend([wrap(text, indent), ""])

    lines.extend([view.site_name, ""])
    heading(view.title, "=")
    paragraph(f"{view.span} · {view.count}")
    if view.digest_url:
        paragraph(f"Read it on the site: <{view.digest_url}>")
    if view.note_html:
        lines.extend([html_text(view.note_html), ""])
    if view.read_aloud_url:
        paragraph(f"Read the stories aloud, starting with “{view.first_title}”: <{view.read_aloud_url}>")
    for lesson, stories in view.groups:
        heading(lesson)
        for story in stories:
            lines.append(wrap(f"* {story.title}", hang="  "))
            for text in (story.meta, story.summary, story.also, f"<{story.url}>" if story.url else ""):
                if text:
                    lines.append(wrap(text, "  "))
            for name, _code, url in story.languages:
                lines.append(wrap(f"Also in {name}" + (f": <{url}>" if url else ""), "  "))
            lines.append("")
    if view.answers:
        heading(view.answers_title)
        for story, answer in view.answers:
            lines.append(
                wrap(f"From “{story.title}” ({', '.join(p for p in (story.place, story.date, story.origin) if p)}):")
            )
            lines.extend([html_text(answer, "  "), ""])
    if view.thanks:
        heading("Thanks")
        paragraph(view.thanks)
    lines.append("-- ")
    lines.append(view.site_name + (f" <{view.home_url}>" if view.home_url else ""))
    return "\n".join(lines).rstrip("\n") + "\n"


def render_html(view: DigestView) -> str:
    html = template_env().get_template(EMAIL_TEMPLATE).render(view=view)
    # Every piece of story text in it is already clean; inlining moves the <style> rules into
    # style attributes (mail clients drop <style>) and never fetches anything.
    inliner = css_inline.CSSInliner(
        load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False, keep_at_rules=False
    )
    return inliner.inline(html).rstrip("\n") + "\n"


def render_email(view: DigestView, sender: str | None = None, to: str | None = None) -> Email:
    text, html = render_text(view), render_html(view)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject(view)
    if sender:
        message["From"] = sender
    if to:
        message["To"] = to
    message["X-Unsent"] = "1"  # mail clients open the file as a draft, ready to send
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # A fixed boundary derived from the content: same stories, same bytes.
    message.set_boundary("harvest-" + hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32])
    return Email(subject(view), text, html, message.as_bytes())
