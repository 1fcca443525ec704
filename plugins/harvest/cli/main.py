"""The `harvest` command. Each sub-command lives in its own module and registers itself here.

User mistakes end in a clear message and exit status 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# (no pathlib nor harvest.core at the top: `main` first makes a search's start lean, `lean.defer`)

# Modules with `register(subparsers)`; each adds its sub-command(s).
COMMAND_MODULES = [
    "harvest.cli.site",
    "harvest.cli.readings",
    "harvest.cli.pack",
    "harvest.cli.import_",
    "harvest.cli.digest",
    "harvest.cli.new",
    "harvest.cli.intake",
    "harvest.cli.search",
    "harvest.cli.collect",
    "harvest.cli.federation",
]
# Which module registers each sub-command: `harvest search x` imports only the search module
# (each module imports what its commands need; all of them would cost a new process ~0.5 s).
# tests/test_incremental.py checks this table against what the modules register.
COMMANDS = {
    "check": "harvest.cli.site",
    "build": "harvest.cli.site",
    "ids": "harvest.cli.site",
    "serve": "harvest.cli.site",
    "readings": "harvest.cli.readings",
    "pack": "harvest.cli.pack",
    "verify": "harvest.cli.pack",
    "import": "harvest.cli.import_",
    "digest": "harvest.cli.digest",
    "new": "harvest.cli.new",
    "intake": "harvest.cli.intake",
    "forms": "harvest.cli.intake",
    "index": "harvest.cli.search",
    "search": "harvest.cli.search",
    "collect": "harvest.cli.collect",
    "inbox": "harvest.cli.collect",
    "export": "harvest.cli.federation",
    "federation": "harvest.cli.federation",
}


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


def add_common(parser: argparse.ArgumentParser, profile: bool = True) -> None:
    parser.add_argument(
        "-f",
        "--config-file",
        default="mkdocs.yml",
        metavar="FILE",
        help="the site's mkdocs.yml (default: ./mkdocs.yml)",
    )
    if profile:
        parser.add_argument("--profile", default=None, help="build profile: public (default), members or archive")


def add_cache_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read every story afresh, neither using nor writing .harvest/cache/ (a clean run)",
    )


def load_settings(args):
    """Settings from mkdocs.yml, exactly as the MkDocs build will see them (and `--no-cache`)."""
    from pathlib import Path

    from harvest.site.project import settings_from_file

    settings = settings_from_file(Path(args.config_file), getattr(args, "profile", None))
    return without_cache(args, settings)


def without_cache(args, settings):
    """The settings with the story cache off when the command line said `--no-cache`."""
    from dataclasses import replace

    return replace(settings, cache=False) if getattr(args, "no_cache", False) else settings


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the named command's module is imported when it is known
    (help, a typo or no command: every module, so the usage lists them all)."""
    parser = argparse.ArgumentParser(prog="harvest", description="Harvest: a living archive of movement stories.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    words = [a for a in (argv or []) if not a.startswith("-")]
    wanted = COMMANDS.get(words[0]) if argv and words and not argv[0].startswith("-") else None
    for name in [wanted] if wanted else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Without `argv`, this process is the command (the `harvest` script,
    `python -m harvest.cli`): a search, an index update, a build or a pack then ends the process
    itself (`_end_process`)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    _closed_streams_discard()
    own_process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["search"]:
        from harvest.cli.lean import defer

        defer()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    status = _run(args)
    try:
        sys.stdout.flush()  # here, not at exit: a reader gone after the last write is seen now
    except BrokenPipeError:
        status = _reader_gone()
    if own_process and args.command in ENDS_ITSELF:
        _end_process(status)
    return status


# The commands whose process ends without Python's shutdown: each has closed and committed what
# it wrote (a build's site is swapped in, an index committed) when it returns.
ENDS_ITSELF = frozenset({"search", "index", "build", "pack"})


def _end_process(status: int) -> None:
    """End the process once its output is flushed, without Python's shutdown, which tears down
    every module and object the command loaded, one by one: ~8% of a search, 0.2-0.5 s of a build
    at 5,000 stories (a few hundred MB of objects). What was registered to run at exit still
    runs (logging's last flush). The usual exit instead with a thread still running (none is
    left: it would be waited for), or under a profiler or tracer (`python -m cProfile`,
    coverage), which writes its report after the command returns."""
    import atexit
    import contextlib  # (already loaded by then)

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # (a reader gone: nothing more can reach it)
            stream.flush()
    os._exit(status)


SIGPIPE_STATUS = 141  # 128 + SIGPIPE (13), what a shell reports for `yes | head`'s `yes`


def _run(args) -> int:
    from harvest.core.problems import HarvestError

    try:
        return int(args.run(args) or 0)
    except HarvestError as error:
        print(error.report(), file=sys.stderr)
        return 1
    except UsageError as error:
        print(f"harvest {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output went away (`harvest search water | head`): stop quietly, as `grep`
    does. What is still buffered goes nowhere (Python's own flush at exit would fail on it again,
    and say so), and the status is the shell's for a command stopped by SIGPIPE."""
    import contextlib

    with contextlib.suppress(OSError, ValueError):  # (not a file: a caller's own stream object)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return SIGPIPE_STATUS


def _closed_streams_discard() -> None:
    """A standard stream the caller closed (`harvest check >&-`, `harvest new <&-`, some
    schedulers) is None in Python, and the first read, write or flush would fail with a
    traceback: a closed input reads as empty (as `< /dev/null`: the command says its input
    ended), and what would go to a closed output is discarded, as the caller asked."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115 (for the process's life)
