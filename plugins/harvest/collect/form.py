"""The collection form: what it offers, and a submission -> a story file in the inbox + a receipt.

The answers go through the same steps as every other contribution path: `intake.compose`
normalises them, `intake.check.check_story` runs `harvest check`'s validator on the exact
text that will be written, and `core.storyfile` writes it atomically under an unused name.
Problems come back keyed by form field, so the page can show each next to its field and
keep everything the person typed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harvest.collect.photos import MAX_PHOTO_BYTES, clean_photo
from harvest.collect.receipts import new_code, read_receipts, record_receipt
from harvest.core.archive import INBOX
from harvest.core.images import ImageRefused
from harvest.core.model import Lesson
from harvest.core.problems import Problem
from harvest.core.settings import Settings
from harvest.core.storyfile import dump_story, write_new_file, write_new_story
from harvest.core.validate import story_schema
from harvest.intake.check import StoryVocabulary, check_story
from harvest.intake.compose import MAX_ANSWER_CHARS, Composer
from harvest.intake.fields import CONSENT_OPTIONS, FIELDS, FIELDS_BY_NAME, VISIBILITY_HELP

HONEYPOT = "website"  # hidden from people, filled in by form-filling programs
GENERAL = "form"  # problems that belong to no single field
ANSWERS = "answers"  # problems with the answers as a whole (e.g. none given)
TEXT_FIELDS = ("title", "date", "event", "place", "summary", "contributors", "visibility")
SOURCE = "the collection form"


def answer_key(prompt_id: str) -> str:
    return f"answer-{prompt_id}"


@dataclass
class Outcome:
    errors: dict[str, list[str]] = field(default_factory=dict)  # field -> messages
    code: str | None = None  # the receipt, when written
    path: Path | None = None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


class Collector:
    """One archive's form: the choices it offers and the inbox it writes to. Thread-safe."""

    def __init__(
        self,
        settings: Settings,
        vocabulary: StoryVocabulary,
        lessons: Mapping[str, Lesson],
        inbox: Path,
        workdir: Path,
        max_photo_bytes: int = MAX_PHOTO_BYTES,
    ):
        self.settings, self.vocabulary, self.inbox, self.workdir = settings, vocabulary, inbox, workdir
        self.lessons = dict(lessons)  # only those the served profile may show (see contribute/page.py)
        self.max_photo_bytes = max_photo_bytes
        self._lock = threading.Lock()
        self._codes = set(read_receipts(inbox))

    # --- what the page shows --------------------------------------------------------------------

    def choices(self) -> dict:
        props = story_schema()["properties"]
        return {
            "fields": FIELDS_BY_NAME,
            "prompts": [(p, answer_key(p.id)) for p in self.settings.prompts],
            "event_kinds": self.settings.event_kinds,
            "lessons": list(self.lessons.values()),
            "levels": [(level, VISIBILITY_HELP.get(level, "")) for level in self.settings.visibility_levels],
            "consent": list(enumerate(CONSENT_OPTIONS, 1)),
            "max_length": {n: props[n]["maxLength"] for n in ("title", "place", "summary")},
            "max_answer": MAX_ANSWER_CHARS,
            "max_photo_mb": self.max_photo_bytes / 1_000_000,
            "honeypot": HONEYPOT,
        }

    def blank(self) -> dict:
        return {
            "date": self.settings.today.isoformat(),
            "visibility": self.settings.default_visibility,
            "lessons": [],
            "consent": [],
        }

    def read(self, form: Mapping[str, list[str]]) -> dict:
        """The submitted values, as typed (for showing them again). Unknown names are ignored."""
        first = {name: (form.get(name) or [""])[0] for name in (*TEXT_FIELDS, HONEYPOT)}
        values: dict = {name: str(value) for name, value in first.items()}
        values["lessons"] = [str(v) for v in form.get("lessons", [])][:100]
        values["consent"] = [str(v) for v in form.get("consent", [])][:10]
        for prompt in self.settings.prompts:
            values[answer_key(prompt.id)] = str((form.get(answer_key(prompt.id)) or [""])[0])
        return values

    # --- a submission ---------------------------------------------------------------------------

    def submit(self, values: dict, photo: bytes | None = None) -> Outcome:
        outcome = Outcome()
        if values.get(HONEYPOT, "").strip():
            outcome.add(
                GENERAL,
                "This form was filled in by a program, so it was not saved. "
                'If you are a person, leave the last field ("Leave this empty") empty.',
            )
            return outcome
        for name, value in values.items():
            texts = value if isinstance(value, list) else [value]
            if any("\ufffd" in text for text in texts):
                outcome.add(
                    name,
                    "Some of this text could not be read (it is not valid UTF-8). "
                    "Type it again, or copy it from another app.",
                )
        wanted = {str(n) for n, _ in enumerate(CONSENT_OPTIONS, 1)}
        if not wanted <= set(values.get("consent", [])):
            outcome.add("consent", "Please confirm both points before sending.")
        answers = {name: values.get(name, "") for name in TEXT_FIELDS}
        answers["lessons"] = values.get("lessons", [])
        answers.update({f"prompt:{p.id}": values.get(answer_key(p.id), "") for p in self.settings.prompts})
        composer = Composer(self.settings, self.lessons, self.vocabulary.registry)
        meta, body, problems = composer.compose(answers, SOURCE)
        self._add_problems(outcome, problems)
        cleaned = None
        if photo:
            try:
                cleaned = clean_photo(photo, self.workdir, self.max_photo_bytes)
            except ImageRefused as refused:
                outcome.add("photo", f"The photo {refused.message}. {refused.hint.capitalize()}.")
        if outcome.errors or meta is None:
            return outcome
        if cleaned:
            meta["images"] = [f"{meta['id']}{cleaned[1]}"]
        text, problems = check_story(
            meta, body, self.settings, self.vocabulary, SOURCE, rel_path=f"{INBOX}/{meta['id']}.md"
        )
        self._add_problems(outcome, problems)
        if outcome.errors:
            return outcome
        if cleaned:  # the photo first: a story never names a photo that is not there yet
            written = write_new_file(self.inbox, meta["id"], cleaned[1], cleaned[0])
            if written.name != meta["images"][0]:
                meta["images"] = [written.name]
                text = dump_story(meta, body)
        outcome.path = write_new_story(self.inbox, meta["id"], text)
        with self._lock:
            code = new_code()
            while code in self._codes:
                code = new_code()
            self._codes.add(code)
        record_receipt(self.inbox, code, meta["id"], outcome.path.name)
        outcome.code = code
        return outcome

    def _add_problems(self, outcome: Outcome, problems: list[Problem]) -> None:
        prompt_keys = {p.title: answer_key(p.id) for p in self.settings.prompts}
        for problem in problems:
            if not problem.is_error:
                continue  # e.g. an unregistered handle: the maintainers decide how people are credited
            name = problem.field
            if name in prompt_keys:
                name = prompt_keys[name]
            elif name == "images":
                name = "photo"
            elif name not in FIELDS_BY_NAME:
                name = ANSWERS
            outcome.add(name, friendly(problem))


def friendly(problem: Problem) -> str:
    """A problem in words for the person at the form (the field is shown beside it)."""
    message = "This is needed" if problem.message == "missing" else problem.message
    sentences = [_sentence(message), _sentence(problem.hint) if problem.hint else ""]
    return " ".join(s for s in sentences if s)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


FIELD_ORDER = (GENERAL, *(f.name for f in FIELDS), ANSWERS, "photo", "consent")
