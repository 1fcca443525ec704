"""`harvest collect` (a collection point for an assembly) and `harvest inbox` (list/show/accept/reject)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from harvest.cli.main import UsageError, add_common, load_settings
from harvest.core.fileio import STAGING_PREFIX
from harvest.core.problems import HarvestError, Problem

WORK_PREFIX = "harvest-collect-"
PACKAGES = {"multipart": "python-multipart"}  # module -> the package to install
EXTRA_HINT = "install the optional web server: pip install -c constraints.txt -e '.[collect]'"
_TERMINAL_JUNK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def register(sub) -> None:
    collect = sub.add_parser(
        "collect",
        help="collect stories from phones at an assembly (a local web form; stories go to the inbox)",
        description="Serves the built archive and a contribution form that works without JavaScript. "
        "Stories are written to stories/_inbox/ and never published by the server; moderate them "
        "with `harvest inbox` or the moderation address printed here. Listens on 127.0.0.1 "
        "unless --lan is given.",
    )
    add_common(collect)
    collect.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free one)")
    collect.add_argument(
        "--lan",
        action="store_true",
        help="open it to the local network (0.0.0.0) and print the addresses and a QR code",
    )
    collect.add_argument("--site-dir", metavar="DIR", help="serve this already built site instead of building one")
    collect.add_argument("--max-photo-mb", type=float, default=8.0, metavar="MB", help="largest photo (default 8)")
    collect.add_argument(
        "--per-minute",
        type=int,
        default=10,
        metavar="N",
        help="most stories one device may send per minute (default 10)",
    )
    collect.set_defaults(run=run_collect)

    inbox = sub.add_parser(
        "inbox",
        help="review the stories waiting in stories/_inbox/",
        description="list, show, accept (move into the archive and record the id) or reject "
        "(delete, with a reason) the stories in the review inbox; accept and reject "
        "are logged in stories/_inbox/moderation.log. Nothing is published until "
        "the next `harvest build`.",
    )
    actions = inbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the stories waiting, oldest first")
    show = actions.add_parser("show", help="one story's file, its receipt and its problems")
    take = actions.add_parser("accept", help="move a story into the archive and record its id")
    drop = actions.add_parser("reject", help="delete a story from the inbox, logging the reason")
    for parser in (listing, show, take, drop):
        add_common(parser, profile=False)
    for parser in (show, take, drop):
        parser.add_argument("key", metavar="CODE", help="the receipt code, the story's id or its file name")
    take.add_argument("--into", metavar="DIR", help="folder inside the stories folder (default: stories/<year>/)")
    drop.add_argument("--reason", required=True, help="why (kept in the moderation log)")
    inbox.set_defaults(run=run_inbox)


# --- harvest inbox -------------------------------------------------------------------------------


def run_inbox(args) -> int:
    from harvest.collect import moderation
    from harvest.intake.check import load_vocabulary
    from harvest.intake.inbox import inbox_folder

    settings = load_settings(args)
    inbox_folder(settings)  # refuses a symlinked inbox
    vocabulary = load_vocabulary(settings)
    if args.action == "list":
        entries = moderation.list_inbox(settings, vocabulary)
        for entry in entries:
            state = f"{len(entry.errors)} problem(s)" if entry.errors else "ok"
            print(f"{entry.code or '-':9}  {entry.name}  {_safe(entry.title)}  [{state}]")
        print(
            f"{len(entries)} stor{'y' if len(entries) == 1 else 'ies'} in "
            f"{settings.display_path(moderation.inbox_path(settings))}/"
        )
        return 0
    entry = moderation.find_entry(settings, vocabulary, args.key)
    if args.action == "show":
        print(f"file: {settings.display_path(entry.file)}")
        print(f"receipt: {entry.code or '-'}" + (f" (arrived {entry.received})" if entry.received else ""))
        for problem in entry.problems:
            print(f"problem: {_safe(problem.field)}: {_safe(problem.message)}")
        print()
        print(_safe(entry.text()), end="")
        return 1 if entry.errors else 0
    if args.action == "accept":
        target = moderation.accept(settings, vocabulary, entry, Path(args.into) if args.into else None)
        print(
            f"accepted {entry.code or entry.name}: {settings.display_path(target)} "
            f"(its id {entry.story_id} is recorded); publish it with `harvest build`"
        )
        return 0
    moderation.reject(settings, entry, args.reason)
    print(f"rejected {entry.code or entry.name}: {entry.name} deleted, reason logged")
    return 0


def _safe(text: str) -> str:
    """No terminal control sequences from a story's text reach the maintainer's terminal."""
    return _TERMINAL_JUNK.sub("\ufffd", str(text))


# --- harvest collect ------------------------------------------------------------------------------


def run_collect(args) -> int:
    try:
        import multipart  # noqa: F401 - python-multipart, used by Starlette's form parser
        import segno  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as error:
        # `name` is None when a module is found but fails to import: then say which group to install
        missing = PACKAGES.get(error.name, error.name) if error.name else "the optional web server packages"
        raise HarvestError(
            [Problem("harvest collect", None, "install", f"needs {missing}, which is not installed", EXTRA_HINT)]
        ) from None
    from harvest.collect.form import Collector
    from harvest.collect.guard import CollectServer, HeaderTimeoutH11
    from harvest.collect.qr import lan_addresses, qr_terminal
    from harvest.collect.server import ServerOptions, create_app, moderation_token
    from harvest.core.archive import load_archive
    from harvest.intake.check import load_vocabulary
    from harvest.intake.inbox import inbox_folder

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.per_minute < 1 or args.max_photo_mb <= 0:
        raise UsageError("--per-minute and --max-photo-mb must be positive")
    settings = load_settings(args)
    if args.lan and settings.profile_level == settings.top_level:
        # Everyone on the venue's network could read private stories and real names.
        raise HarvestError(
            [
                Problem(
                    "harvest collect",
                    None,
                    "--lan",
                    f"profile '{settings.profile}' shows every story and real names; "
                    "it is never served to the local network",
                    "serve the public or members profile with --lan (e.g. --profile public), "
                    "or leave out --lan to serve it on this computer only",
                )
            ]
        )
    vocabulary = load_vocabulary(settings)
    archive, _ = load_archive(settings)
    inbox = inbox_folder(settings)
    inbox.mkdir(parents=True, exist_ok=True)
    if args.site_dir and not (Path(args.site_dir) / "index.html").is_file():
        raise UsageError(f"--site-dir {args.site_dir}: no built site there (no index.html); leave it out to build one")
    sock = _listen("0.0.0.0" if args.lan else "127.0.0.1", args.port)
    port = sock.getsockname()[1]
    _remove_leftovers(inbox)
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX))
    (work / "pid").write_text(str(os.getpid()))
    try:
        site_dir = Path(args.site_dir) if args.site_dir else _build(args, work / "site")
        if site_dir is None:
            return 1
        (work / "uploads").mkdir(mode=0o700)
        collector = Collector(
            settings,
            vocabulary,
            archive.lessons,
            inbox,
            work / "uploads",
            max_photo_bytes=int(args.max_photo_mb * 1_000_000),
        )
        addresses = lan_addresses() if args.lan else []
        host = addresses[0] if addresses else "127.0.0.1"
        token = moderation_token()
        options = ServerOptions(
            site_dir,
            f"http://{host}:{port}/contribute/",
            token,
            max_body_bytes=int(args.max_photo_mb * 1_000_000) + 1_000_000,
            per_minute=args.per_minute,
        )
        app = create_app(collector, options)
        _banner(settings, port, addresses, args.lan, options, qr_terminal)
        _log_to_console()
        config = uvicorn.Config(
            app,
            http=HeaderTimeoutH11,
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024,
            limit_concurrency=200,
            server_header=False,
            timeout_graceful_shutdown=5,
            proxy_headers=False,
        )  # the rate limit keys on the real peer address
        CollectServer(config).run(sockets=[sock])
        print(
            f"collection point closed; stories received are in {settings.display_path(inbox)}/ (`harvest inbox list`)",
            flush=True,
        )
        return 0
    finally:
        sock.close()
        shutil.rmtree(work, ignore_errors=True)


def _remove_leftovers(inbox: Path) -> None:
    """What a killed collection point (SIGKILL, power cut) left: half-written temporary files in the
    inbox (never a story: a story appears only whole, by a link) and its own temporary folder, which
    may hold a photo as it arrived, with its location."""
    for tmp in inbox.glob(f"{STAGING_PREFIX}*.tmp"):
        tmp.unlink(missing_ok=True)
    for work in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}*"):
        try:
            pid = int((work / "pid").read_text())
        except (OSError, ValueError):
            if time.time() - work.stat().st_mtime > 300:  # not one that is starting right now
                shutil.rmtree(work, ignore_errors=True)
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(work, ignore_errors=True)
        except PermissionError:
            pass  # another user's, alive


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}; try another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _build(args, site_dir: Path) -> Path | None:
    """The archive built as `harvest build --profile P` builds it, into a temporary folder."""
    from harvest.cli.site import run_build

    status = run_build(argparse.Namespace(config_file=args.config_file, profile=args.profile, site_dir=str(site_dir)))
    return site_dir if status == 0 else None


def _banner(settings, port: int, addresses: list[str], lan: bool, options, qr_terminal) -> None:
    out = sys.stdout
    print(f"\nCollecting stories for {settings.site_name} (profile {settings.profile}).", file=out)
    print(f"Stories go to {settings.display_path(settings.stories_dir)}/_inbox/; nothing is published.", file=out)
    print(f"On this computer: http://127.0.0.1:{port}/contribute/", file=out)
    if lan:
        if addresses:
            for address in addresses:
                print(f"On the local network: http://{address}:{port}/contribute/", file=out)
            print(f"\nScan to tell your story ({options.join_url}):", file=out)
            print(qr_terminal(options.join_url), file=out)
            print(f"For the projector: http://127.0.0.1:{port}/join", file=out)
        else:
            print(
                "No local network address found: connect this computer to the room's Wi-Fi or hotspot and start again.",
                file=out,
            )
    print(f"\nModeration (keep this address private): http://127.0.0.1:{port}/moderate?token={options.token}", file=out)
    print("Stop with Ctrl-C.", file=out, flush=True)


def _log_to_console() -> None:
    import logging

    logger = logging.getLogger("harvest.collect")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
