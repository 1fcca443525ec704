"""A build's pages rendered on two cores (README: Development → Incremental work → A second core).

MkDocs renders the pages one after another (`_build_page`), and in a dirty build (`harvest
build`) first asks each page's file whether it is modified (`pagecache.ReusableFile`). Once
every page's Markdown is rendered, a second process is forked when MkDocs asks about the first
page of its rendering loop: by then every plugin's `on_env` has run and the static files and
the theme's templates are written. The child is a copy of this process: it takes the pages to
render from the last one back, as this process takes them from the first one on, each claiming
a page in a shared table before rendering it, until they meet. So the split follows how busy
each is (the digests' feeds and emails are made in yet another process meanwhile), not a guess.
The child renders its pages with the very same navigation, template environment and hooks,
writes them into the site folder, stores them in the page cache, and ends. Here MkDocs is told
those pages are not modified, and skips them.

What the build needs of them comes back through a pipe when the rendering loop is over: the
messages logged while they rendered, given here as they were given there (a warning still fails
`--strict`, and a page that warned is not stored), how many were rendered and stored, and the
error that stopped the child, raised here as MkDocs would have raised it.

Only where every per-page hook is Harvest's own (which keep nothing from one page to the next
but what the page cache records, and the child stores its own pages): another plugin's hooks
may gather something from every page, and half of it would stay in the child.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mkdocs.commands.build import _build_page
from mkdocs.exceptions import BuildError, PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from harvest.core import background

# Pages to render, at least: below that, the fork and the trip back cost about what half saves.
AT_LEAST = 64


@dataclass
class Rendered:
    """What the second process reports of its pages."""

    messages: list[tuple[str, int, str]] = field(default_factory=list)  # (logger, level, text), in order
    rendered: int = 0
    stored: int = 0
    failure: str | None = None  # what stopped it: a BuildError's message, or a bug's traceback
    bug: bool = False


class _Capture(logging.Handler):
    """The child's log: kept to be given in the parent, which counts warnings for `--strict`."""

    def __init__(self, messages: list[tuple[str, int, str]]) -> None:
        super().__init__(logging.NOTSET)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.name, record.levelno, self.format(record)))


@dataclass
class PageWork:
    """One build's rendering, and what the second process needs for its share."""

    config: object  # MkDocsConfig
    nav: object  # Navigation
    env: object  # jinja2.Environment
    files: Files
    keep_handler: Callable[[logging.Handler], bool]  # this build's own watchers (the page cache's spy)
    store: Callable[[], int] | None  # stores what the child rendered -> how many


HERE, THERE = 1, 2  # who claimed a page (0: nobody yet)


class SecondProcess:
    """The pages to render, shared with a second process, and its report."""

    def __init__(self, pages: Sequence[Page], work: PageWork, elsewhere: Callable[[File], None]) -> None:
        self._pages = list(pages)  # in MkDocs' order
        self._number = {page.file.src_uri: i for i, page in enumerate(self._pages)}
        # Shared with the child (memory mapped, not copied at the fork), each claim under the lock.
        self._claims = multiprocessing.RawArray("b", len(self._pages))
        self._lock = multiprocessing.Lock()
        self._work = work
        self._elsewhere = elsewhere  # told of each page the child renders, in MkDocs' order
        self._job: background.Job[Rendered] | None = None
        self._asked = False

    def renders_here(self, file: File) -> bool:
        """MkDocs asks, page by page, in its rendering loop: the first question starts the child."""
        if not self._asked:
            self._asked = True
            job = background.Job(self._render)
            self._job = job if job.forked else None  # (refused: every page is rendered here)
        number = self._number.get(file.src_uri)
        if self._job is None or number is None or self._claim(number, HERE):
            return True
        self._elsewhere(file)
        return False

    def _claim(self, number: int, who: int) -> bool:
        """Is page `number` `who`'s to render? Claimed now if nobody has; asked again, the same
        answer (MkDocs may ask about a page more than once: it must not turn into the other's)."""
        with self._lock:
            if not self._claims[number]:
                self._claims[number] = who
            return self._claims[number] == who

    def collect(self) -> Rendered | None:
        """Once MkDocs' loop is over: the child's report, its messages given here. A failure there
        is raised here, as MkDocs' loop would have raised it."""
        job, self._job = self._job, None
        if job is None:
            return None
        report = job.result()
        for name, level, text in report.messages:
            logging.getLogger(name).log(level, text)
        if report.failure is not None:
            if report.bug:
                raise background.BackgroundBug(f"rendering pages in the second process failed:\n{report.failure}")
            raise PluginError(report.failure)
        return report

    def stop(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.stop()

    def _render(self) -> Rendered:
        """In the child: render, write and store its pages."""
        gc.freeze()  # the parent's objects: never walked (nor copied) by a collection
        gc.enable()  # rendering makes cycles (template contexts): collected, not kept to the end
        work = self._work
        report = Rendered()
        logger = logging.getLogger("mkdocs")
        logger.handlers = [h for h in logger.handlers if work.keep_handler(h)] + [_Capture(report.messages)]
        logger.propagate = False
        doc_files = work.files.documentation_pages(inclusion=InclusionLevel.is_included)
        try:
            for number in reversed(range(len(self._pages))):
                if not self._claim(number, THERE):
                    break  # this process has come this far: every page before is its own
                _build_page(self._pages[number], work.config, doc_files, work.nav, work.env)  # type: ignore[arg-type]
                report.rendered += 1
        except BuildError as error:  # (MkDocs has logged which page)
            report.failure = str(error)
        except Exception:  # noqa: BLE001  (a bug: raised in the parent with this traceback)
            report.failure, report.bug = traceback.format_exc(), True
        else:
            report.stored = work.store() if work.store is not None else 0
        return report


def shared(files: Files, must_render: Callable[[File], bool | None]) -> list[Page]:
    """The pages this process and a second one share, in MkDocs' order: those it will render;
    none when there are too few to be worth a fork."""
    pages = [
        file.page
        for file in files.documentation_pages(inclusion=InclusionLevel.is_included)
        if file.page is not None and must_render(file)
    ]
    return pages if len(pages) >= AT_LEAST else []
