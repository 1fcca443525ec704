"""`harvest new`: write a story by answering the harvest prompts one by one (or with options).

Questions and hints go to stderr; the only thing printed on stdout is the new file's
path, so scripts can use `path=$(harvest new --yes …)`. Nothing is written until every
answer is valid, and then atomically: Ctrl-C or the end of input leaves nothing behind.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from harvest.cli.main import UsageError, add_common, load_settings
from harvest.core.problems import HarvestError, Problem, did_you_mean
from harvest.core.storyfile import new_story_id
from harvest.core.text import slugify
from harvest.intake.check import check_story, load_vocabulary, write_story
from harvest.intake.compose import Composer, FieldProblem, compose_body
from harvest.intake.fields import VISIBILITY_HELP

OPTION_OF = {
    "title": "--title",
    "date": "--date",
    "event": "--event",
    "place": "--place",
    "lessons": "--lesson",
    "contributors": "--contributor",
    "summary": "--summary",
    "visibility": "--visibility",
    "answers": "--answer",
}


def register(sub) -> None:
    new = sub.add_parser(
        "new",
        help="write a new story by answering the harvest prompts",
        description="Asks the questions one by one (or takes them as options with --yes), "
        "checks the answers and writes a valid story file; prints its path.",
    )
    add_common(new, profile=False)
    new.add_argument("--title")
    new.add_argument("--date", help="YYYY-MM-DD (default: today)")
    new.add_argument("--event", help="event kind id or label")
    new.add_argument("--place", help="a town or neighbourhood, never an address")
    new.add_argument("--lesson", action="append", metavar="LESSON", help="a lesson id or title (repeatable)")
    new.add_argument(
        "--contributor", action="append", metavar="HANDLE", help="a contributor handle (repeatable; none: anonymous)"
    )
    new.add_argument("--summary", help="one sentence")
    new.add_argument("--visibility", help="who may read it (default: the archive's default)")
    new.add_argument(
        "--answer", action="append", default=[], metavar="PROMPT_ID=TEXT", help="the answer to one prompt (repeatable)"
    )
    new.add_argument("--into", metavar="DIR", help="folder inside the stories folder (default: stories/<year>/)")
    new.add_argument("-y", "--yes", action="store_true", help="ask nothing: take every answer from the options")
    new.set_defaults(run=run_new)


def _option_answers(args, settings) -> dict:
    answers = {
        name: getattr(args, attr)
        for name, attr in (
            ("title", "title"),
            ("date", "date"),
            ("event", "event"),
            ("place", "place"),
            ("lessons", "lesson"),
            ("contributors", "contributor"),
            ("summary", "summary"),
            ("visibility", "visibility"),
        )
    }
    prompts = settings.prompts_by_id
    for given in args.answer:
        prompt_id, sep, text = given.partition("=")
        if not sep or prompt_id.strip() not in prompts:
            hint = did_you_mean(prompt_id.strip(), prompts) if sep else "write it as PROMPT_ID=TEXT"
            raise UsageError(f"--answer {given[:40]!r}: unknown prompt id; {hint}")
        answers[f"prompt:{prompt_id.strip()}"] = text.replace("\\n", "\n")
    return answers


def _folder(args, settings, year: int) -> Path:
    root = settings.stories_dir.resolve()
    if not args.into:
        return settings.stories_dir / str(year)
    folder = Path(args.into).resolve()
    if not folder.is_relative_to(root) or folder == root:
        raise UsageError(
            f"--into must be a folder inside {settings.display_path(settings.stories_dir)}/ "
            f"(e.g. --into {settings.display_path(settings.stories_dir)}/_inbox)"
        )
    return folder


def run_new(args) -> int:
    settings = load_settings(args)
    vocabulary = load_vocabulary(settings)
    composer = Composer(settings, vocabulary.lessons, vocabulary.registry)
    answers = _option_answers(args, settings)
    if args.into:
        _folder(args, settings, settings.today.year)  # a bad --into fails before any question
    if args.yes:
        answers["date"] = answers["date"] or settings.today.isoformat()
        meta, body, problems = composer.compose(answers, "harvest new")
        if meta is None:
            prompt_titles = {p.title: f"--answer {p.id}=…" for p in settings.prompts}
            raise HarvestError(
                [
                    Problem(
                        "harvest new",
                        None,
                        OPTION_OF.get(p.field) or prompt_titles.get(p.field, p.field),
                        p.message,
                        p.hint,
                        p.severity,
                    )
                    for p in problems
                ]
            )
        warnings = [p for p in problems if not p.is_error]
    else:
        try:
            meta, body = Interview(composer, answers).run()
        except EOFError:
            print("\ninput ended before the story was finished; nothing was written", file=sys.stderr)
            return 1
        warnings = []
    text, problems = check_story(meta, body, settings, vocabulary, "harvest new")
    problems = [p for p in problems if p.is_error or p.field != "contributors"] + warnings
    if any(p.is_error for p in problems):
        raise HarvestError(problems)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    path = write_story(_folder(args, settings, meta["date"].year), slugify(meta["title"]), text)
    print(settings.display_path(path))
    return 0


class Interview:
    """The questions, one at a time; a bad answer is explained and asked again."""

    def __init__(self, composer: Composer, given: dict):
        self.composer, self.given = composer, given
        self.settings = composer.settings
        self.out = sys.stderr

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def read(self, question: str, default: str | None = None) -> str:
        self.out.write(f"{question}" + (f" [{default}]" if default else "") + ": ")
        self.out.flush()
        value = input().strip()
        return value or (default or "")

    def ask(self, name: str, question: str, normalise, default: str | None = None, convert=None):
        preset = self.given.get(name)
        while True:
            if preset not in (None, [], ""):
                raw, preset = preset, None
            else:
                raw = self.read(question, default)
            try:
                return normalise(convert(raw) if convert else raw)
            except FieldProblem as problem:
                self.say(f"  {problem.message}" + (f" — {problem.hint}" if problem.hint else ""))

    def run(self) -> tuple[dict, str]:
        s, c = self.settings, self.composer
        self.say(f"New story for {s.site_name}. Press Ctrl-C at any time to stop: nothing is written until the end.")
        title = self.ask("title", "Title", c.title)
        date = self.ask("date", "Date (YYYY-MM-DD)", c.date, default=s.today.isoformat())
        kinds = list(s.event_kinds)
        self.say("Kinds of event:")
        for number, kind in enumerate(kinds, 1):
            self.say(f"  {number}. {s.event_kinds[kind]} ({kind})")
        event = self.ask("event", "Kind of event (number or name)", c.event, convert=lambda v: _by_number(v, kinds))
        place = self.ask("place", "Place (a town or neighbourhood, never an address)", c.place)
        lessons = list(c.lessons)
        self.say("Lessons:")
        for number, lesson in enumerate(c.lessons.values(), 1):
            self.say(f"  {number}. {lesson.title} ({lesson.id}): {lesson.description}")
        with _completion(lessons):
            chosen = self.ask(
                "lessons",
                "Lessons (numbers or names, separated by commas or spaces)",
                c.lessons_of,
                convert=lambda v: _many_by_number(v, lessons),
            )
        contributors = self.ask(
            "contributors",
            "Your handle or pseudonym, several separated by commas (optional: press Enter to stay anonymous)",
            self._contributors,
        )
        summary = self.ask("summary", "Summary (one sentence)", c.summary)
        levels = list(s.visibility_levels)
        if len(levels) > 1:
            self.say("Who may read it:")
            for number, level in enumerate(levels, 1):
                self.say(f"  {number}. {level}" + (f": {VISIBILITY_HELP[level]}" if level in VISIBILITY_HELP else ""))
        visibility = self.ask(
            "visibility",
            "Who may read it (number or name)",
            c.visibility,
            default=s.default_visibility,
            convert=lambda v: _by_number(v, levels),
        )
        texts = self._answers()
        meta = {
            "id": new_story_id(date.isoformat(), title),
            "title": title,
            "date": date,
            "event": event,
            "place": place,
            "contributors": contributors,
            "lessons": chosen,
            "summary": summary,
            "visibility": visibility,
        }
        return meta, compose_body(texts, s)

    def _contributors(self, value):
        self.composer.warnings = []
        handles = self.composer.contributors(value)
        for _field, message, hint in self.composer.warnings:
            self.say(f"  note: {message} ({hint})")
        return handles

    def _answers(self) -> dict[str, str]:
        self.say(
            "Now the harvest prompts. Write as much as you like; finish each answer with an empty line "
            "or a line with a single '.'; leave one empty to skip it."
        )
        self.say("To keep a passage out of the public site, wrap it in [[redact]] … [[/redact]].")
        while True:
            texts = {}
            for prompt in self.settings.prompts:
                given = self.given.get(f"prompt:{prompt.id}")
                while True:
                    raw = given if given is not None else self._multiline(prompt.title)
                    given = None
                    try:
                        texts[prompt.id] = self.composer.answer(prompt.id, raw)
                        break
                    except FieldProblem as problem:
                        self.say(f"  {problem.message} — {problem.hint}")
            if any(texts.values()):
                return texts
            self.say("  Please answer at least one prompt.")

    def _multiline(self, title: str) -> str:
        self.say(f"\n## {title}")
        lines: list[str] = []
        while True:
            line = input()
            if line.strip() in ("", "."):
                return "\n".join(lines)
            lines.append(line)


def _by_number(value: str, choices: list[str]) -> str:
    value = str(value).strip()
    if value.isdigit() and 1 <= int(value) <= len(choices):
        return choices[int(value) - 1]
    return value


def _many_by_number(value, choices: list[str]):
    """'1 3', '1,3', 'logistics safety' or 'Mutual care, 2' -> a list for the lessons normaliser."""
    if isinstance(value, list):
        return value
    chosen = []
    for part in str(value).split(","):
        tokens = part.split()
        if tokens and all(t in choices or (t.isdigit() and 1 <= int(t) <= len(choices)) for t in tokens):
            chosen += [_by_number(t, choices) for t in tokens]
        elif any(t.isdigit() for t in tokens):  # '1 nope': numbers and words, taken one by one
            chosen += [_by_number(t, choices) for t in tokens]
        elif part.strip():
            chosen.append(part.strip())
    return chosen


@contextmanager
def _completion(words: list[str]):
    """Tab-completes lesson ids when a terminal is attached and readline exists."""
    try:
        import readline
    except ImportError:  # not on every platform
        readline = None  # type: ignore[assignment]  # the module, or None without one
    if readline is None or not sys.stdin.isatty():
        yield
        return
    previous = (readline.get_completer(), readline.get_completer_delims())

    def complete(text: str, state: int):
        matches = [w for w in words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" ,")
    readline.parse_and_bind("tab: complete")
    try:
        yield
    finally:
        readline.set_completer(previous[0])
        readline.set_completer_delims(previous[1])
