"""Helpers shared by the digest tests: edit a copied project's mkdocs.yml, add stories, read archives."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from harvest.core.archive import load_archive
from harvest.site.project import settings_from_file

SITE_URL = "https://archive.example.org/"


SITE_URL_LINE = re.compile(r"^site_url:.*$", re.M)


def set_site_url(project: Path, url: str = SITE_URL) -> None:
    """Give the copied project's mkdocs.yml this `site_url` (the sample sets an example one)."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert len(SITE_URL_LINE.findall(text)) == 1, "the sample mkdocs.yml sets site_url once"
    config.write_text(SITE_URL_LINE.sub(f"site_url: {url}", text, count=1), "utf-8")


def unset_site_url(project: Path) -> None:
    """Take the sample's example `site_url` out of the copied project's mkdocs.yml."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert len(SITE_URL_LINE.findall(text)) == 1, "the sample mkdocs.yml sets site_url once"
    config.write_text(SITE_URL_LINE.sub("", text, count=1), "utf-8")


def set_digest_options(project: Path, options: str) -> None:
    """Replace the harvest-digests `period:` and `answers_prompt:` lines with `options` (6-space indented YAML)."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    period = "      period: monthly                    # or weekly (ISO weeks) or quarterly\n"
    prompt = "      answers_prompt: missing            # the prompt whose answers each digest gathers\n"
    assert period in text and prompt in text
    text = text.replace(prompt, "", 1).replace(period, options.rstrip("\n") + "\n", 1)
    config.write_text(text, "utf-8")


def write_story(
    project: Path,
    rel: str,
    *,
    id: str,
    title: str,
    date: str,
    lessons=("safety",),
    contributors=("priya",),
    visibility: str | None = None,
    missing: str = "Whistles.",
    summary: str = "What happened, and what we learned.",
    lang: str = "en",
    translation_of: str | None = None,
) -> Path:
    meta = [
        f"id: {id}",
        f"title: {title}",
        f"date: {date}",
        "event: action",
        "place: Testville",
        f"contributors: [{', '.join(contributors)}]",
        f"lessons: [{', '.join(lessons)}]",
        f"summary: {summary}",
        f"lang: {lang}",
    ]
    if translation_of:
        meta.append(f"translation_of: {translation_of}")
    if visibility:
        meta.append(f"visibility: {visibility}")
    body = (
        f"We did a thing in Testville.\n\n## What surprised us?\n\nEverything.\n\n"
        f"## Who stepped forward?\n\nNeighbours.\n\n## What resource was missing?\n\n{missing}\n"
    )
    path = project / "stories" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(meta) + "\n---\n\n" + body, "utf-8")
    return path


def archive_of(project: Path, profile: str | None = None):
    archive, _ = load_archive(settings_from_file(project / "mkdocs.yml", profile))
    return archive


def site_text(site: Path, *folders: str) -> dict[str, str]:
    """Every text file under the given site folders: path -> text."""
    files = {}
    for folder in folders:
        for path in (site / folder).rglob("*"):
            if path.is_file():
                files[path.relative_to(site).as_posix()] = decoded(path)
    return files


def decoded(path: Path) -> str:
    """A file's text; an .eml's decoded parts (its quoted-printable body hides words from a plain search)."""
    if path.suffix == ".eml":
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return str(message["Subject"]) + "\n" + "\n".join(part.get_content() for part in message.iter_parts())
    return path.read_bytes().decode("utf-8", "replace")
