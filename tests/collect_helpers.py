"""A real `harvest collect` server on 127.0.0.1 (random free port) for the collection tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import harvest_interruptible

CODE = re.compile(r'id="hc-code">([0-9A-Z]{4}-[0-9A-Z]{4})<')
VALID = {
    "title": "The kettle brigade",
    "date": "2026-03-02",
    "event": "assembly",
    "place": "Saltwick Yards",
    "lessons": ["mutual-care", "logistics"],
    "summary": "Tea kept everyone going.",
    "answer-surprised": "How much tea we needed.",
    "consent": ["1", "2"],
    "visibility": "public",
    "contributors": "",
    "website": "",
}


@dataclass
class Collecting:
    proc: subprocess.Popen
    url: str  # http://127.0.0.1:PORT
    token: str
    log: Path  # the server's stderr
    project: Path
    banner: str = ""

    @property
    def inbox(self) -> Path:
        return self.project / "stories" / "_inbox"

    def stories(self) -> list[Path]:
        return sorted(self.inbox.glob("*.md")) if self.inbox.is_dir() else []

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.log.read_text("utf-8", errors="replace")


def start_collect(project: Path, site: Path | None, *extra: str, timeout: float = 120) -> Collecting:
    log = project.parent / f"collect-{time.monotonic_ns()}.log"
    args = harvest_interruptible("collect", "--port", "0", *extra)  # (stopped with SIGINT)
    if site is not None:
        args += ["--site-dir", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with open(log, "w") as err:
        proc = subprocess.Popen(args, cwd=project, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    url = token = None
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if m := re.match(r"On this computer: (http://127\.0\.0\.1:\d+)/contribute/", line):
            url = m.group(1)
        if m := re.search(r"/moderate\?token=(\S+)", line):
            token = m.group(1)
        if line.startswith("Stop with Ctrl-C"):
            break
    if not (url and token):
        proc.kill()
        raise AssertionError("collect did not start:\n" + "".join(lines) + log.read_text())
    _wait_for(url)
    return Collecting(proc, url, token, log, project, "".join(lines))


def _wait_for(url: str) -> None:
    import requests

    for _ in range(100):
        try:
            requests.get(url + "/join", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def receipt(response) -> str:
    found = CODE.findall(response.text)
    assert response.status_code == 200 and found, (response.status_code, response.text[:3000])
    return found[0]


def tree(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """path -> (size, mtime_ns) of every file under root (except under `skip`)."""
    found = {}
    for path in root.rglob("*"):
        if skip and path.is_relative_to(skip):
            continue
        if path.is_file() or path.is_symlink():
            stat = path.lstat()
            found[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found
