"""The forge issue form: generate it from the configuration, and read filled-in issues back.

GitHub and Forgejo/Gitea render a submitted issue form as Markdown: one `### Label`
per field, then the answer (`_No response_` when empty; dropdown choices joined by
", "; checkboxes as `- [x] label`). The forges' JSON for an issue carries that text
in `body`; a workflow's event payload wraps the issue in `issue`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml

from harvest.core.nesting import DEPTH_HINT, TooDeep, bounded
from harvest.core.problems import Problem
from harvest.core.prompts import normalize_heading
from harvest.core.settings import Settings
from harvest.intake.check import StoryVocabulary
from harvest.intake.fields import CONSENT_LABEL, CONSENT_OPTIONS, FIELDS_BY_NAME, heading_index

ISSUE_FORM_PATH = ".github/ISSUE_TEMPLATE/story.yml"
ISSUE_TITLE_PREFIX = "Story: "
_HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*#*[ \t]*$")
_CHECKBOX = re.compile(r"^\s*[-*][ \t]+\[([ xX])\][ \t]+(.*)$")
MAX_ISSUES = 1000


@dataclass
class Item:
    """One contribution read from a file: where it came from and its answers."""

    source: str
    answers: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    story_text: str | None = None  # a whole story file (e.g. downloaded from the site's form)


# --- reading ---------------------------------------------------------------------------------


def parse_issue_body(text: str, settings: Settings, source: str) -> Item:
    """`### Label` sections -> answers. Headings that are not form labels stay in the answer text."""
    index = heading_index(settings)
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fence = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        heading = None if fence else _HEADING.match(line)
        key = index.get(normalize_heading(heading.group(1))) if heading else None
        if key and key not in sections:
            current = sections[key] = []
        elif current is not None:
            current.append(line)
    item = Item(source)
    if not sections:
        item.problems.append(
            Problem(
                source,
                None,
                "file",
                "no form answers found",
                "expected '### Title', '### Date', … headings as the issue form writes them",
            )
        )
        return item
    for key, lines in sections.items():
        value = "\n".join(lines).strip()
        if key == "consent":
            boxes = [_CHECKBOX.match(line) for line in lines]
            unticked = [m.group(2).strip() for m in boxes if m and m.group(1) == " "]
            for label in unticked:
                item.problems.append(
                    Problem(
                        source,
                        None,
                        "consent",
                        f"not confirmed: {label}",
                        "ask the contributor to confirm it, or remove what it is about",
                    )
                )
            continue
        item.answers[key] = "" if value.strip().casefold() == "_no response_" else value
    return item


def parse_forge_json(text: str, settings: Settings, source: str) -> list[Item]:
    """An issue object, a workflow event payload (`{"issue": {...}}`), or a list of issues."""
    try:
        data = bounded(json.loads, text)
    except TooDeep as exc:
        return [Item(source, problems=[Problem(source, 1, "file", str(exc), DEPTH_HINT)])]
    except json.JSONDecodeError as exc:
        return [
            Item(
                source,
                problems=[
                    Problem(
                        source,
                        exc.lineno,
                        "file",
                        f"invalid JSON: {exc.msg}",
                        "pass the issue as the forge's API returns it",
                    )
                ],
            )
        ]
    if isinstance(data, dict) and isinstance(data.get("issue"), dict):
        data = data["issue"]
    issues = data if isinstance(data, list) else [data]
    if len(issues) > MAX_ISSUES:
        return [
            Item(
                source,
                problems=[
                    Problem(
                        source, None, "file", f"{len(issues)} issues, over the limit of {MAX_ISSUES}", "split the file"
                    )
                ],
            )
        ]
    items = []
    for position, issue in enumerate(issues, start=1):
        if not isinstance(issue, dict) or not isinstance(issue.get("body"), str):
            items.append(
                Item(
                    f"{source} item {position}",
                    problems=[
                        Problem(
                            f"{source} item {position}",
                            None,
                            "body",
                            "not an issue with a text `body`",
                            "pass the issue JSON from the forge (GitHub, Forgejo or Gitea)",
                        )
                    ],
                )
            )
            continue
        number = issue.get("number")
        label = f"{source} issue #{number}" if isinstance(number, int) else f"{source} item {position}"
        item = parse_issue_body(issue["body"], settings, label)
        title = issue.get("title")
        if "title" not in item.answers and isinstance(title, str) and not item.problems:
            item.answers["title"] = title.removeprefix(ISSUE_TITLE_PREFIX)
        items.append(item)
    return items


# --- writing ---------------------------------------------------------------------------------


def _block(kind: str, name: str, label: str, description: str, required: bool, **extra) -> dict:
    attributes = {"label": label, "description": description, **extra}
    return {"type": kind, "id": name, "attributes": attributes, "validations": {"required": required}}


def issue_form(settings: Settings, vocabulary: StoryVocabulary) -> str:
    """The issue form YAML (GitHub issue-forms syntax, which Forgejo and Gitea read too)."""
    f = FIELDS_BY_NAME
    body: list[dict] = [
        {
            "type": "markdown",
            "attributes": {
                "value": (
                    "Thank you for sharing what happened and what we learned.\n\n"
                    "**An issue is visible to everyone who can see this repository.** Do not name anyone who has "
                    "not agreed to it, and leave out addresses, routes, meeting times and anything else that could "
                    "help someone find or harm people. For a story only members may read, use the archive's "
                    '"Contribute a story" page instead and give the file to a maintainer you trust.\n'
                )
            },
        }
    ]
    # not `title`: a link's `?title=` fills the issue's own title, `?story-title=` this field
    body.append(_block("input", "story-title", f["title"].label, f["title"].help, True))
    body.append(_block("input", "date", f["date"].label, f["date"].help, True, placeholder="2026-03-14"))
    body.append(
        _block(
            "dropdown", "event", f["event"].label, f["event"].help, True, options=list(settings.event_kinds.values())
        )
    )
    body.append(_block("input", "place", f["place"].label, f["place"].help, True))
    body.append(
        _block(
            "dropdown",
            "lessons",
            f["lessons"].label,
            f["lessons"].help,
            True,
            multiple=True,
            options=[lesson.title for lesson in vocabulary.lessons.values()],
        )
    )
    body.append(_block("input", "summary", f["summary"].label, f["summary"].help, True))
    for position, prompt in enumerate(settings.prompts):
        body.append(
            _block(
                "textarea",
                f"answer-{prompt.id}",
                prompt.title,
                "Answer in your own words; leave it empty to skip."
                if position
                else "Answer at least one question, in your own words. Leave the others empty.",
                False,
            )
        )
    body.append(_block("input", "contributors", f["contributors"].label, f["contributors"].help, False))
    body.append(
        {
            "type": "checkboxes",
            "id": "consent",
            "attributes": {
                "label": CONSENT_LABEL,
                "options": [{"label": text, "required": True} for text in CONSENT_OPTIONS],
            },
        }
    )
    form = {
        "name": "Share a story",
        "description": "A reflection after an action, festival, assembly or drill.",
        "title": ISSUE_TITLE_PREFIX,
        "labels": ["story"],
        "body": body,
    }
    header = (
        "# Generated by `harvest forms` from mkdocs.yml and the lessons file: change those and run\n"
        "# `harvest forms` again rather than editing this file. `harvest intake` reads issues made with it.\n"
    )
    return header + yaml.dump(form, Dumper=_FormDumper, allow_unicode=True, sort_keys=False, width=120)


class _FormDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, so the form stays readable and diffs stay small."""


_FormDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)
