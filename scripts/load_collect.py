"""Load test for `harvest collect`, on 127.0.0.1 only, bounded in count and time.

    python scripts/load_collect.py [--clients 20] [--stories 200] [--photo-every 5] [--max-seconds 300]

Run 1: CLIENTS threads send STORIES stories (every PHOTO_EVERY-th with a JPEG carrying GPS EXIF) to a
fresh copy of the sample archive. Checked: every acknowledged story (a receipt came back) is on disk
with exactly what was sent, none is lost, corrupt or duplicated, `harvest check` accepts the inbox,
and no photo keeps its EXIF. Reported: p50/p95 latency and the server's peak RSS (VmHWM).

Run 2: the same, but the server is SIGKILLed when half the stories are acknowledged and restarted;
clients retry what was not acknowledged. Checked: every acknowledged story is on disk, whole, and no
partial or temporary file is left in the inbox. A story written just before the kill but never
acknowledged is sent again by its client: such extra copies are counted and reported (at most
one per client in flight at the kill).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from collect_helpers import CODE, start_collect  # noqa: E402

BASE = {
    "date": "2026-03-02",
    "event": "assembly",
    "place": "Saltwick Yards",
    "lessons": ["mutual-care"],
    "summary": "A story sent by the load test.",
    "consent": ["1", "2"],
    "visibility": "public",
    "contributors": "",
    "website": "",
}


def photo_bytes() -> bytes:
    image = Image.effect_noise((800, 600), 60).convert("RGB")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Run:
    def __init__(
        self,
        project: Path,
        site: Path,
        clients: int,
        stories: int,
        photo_every: int,
        deadline: float,
        kill_at: int | None = None,
    ):
        self.project, self.site, self.clients, self.total = project, site, clients, stories
        self.photo_every, self.deadline, self.kill_at = photo_every, deadline, kill_at
        self.photo = photo_bytes()
        self.acked: dict[int, str] = {}  # story number -> receipt
        self.latencies: list[float] = []
        self.failures = 0
        self.peak_kb = 0
        self.lock = threading.Lock()
        self.next = 0
        self.server = start_collect(project, site, "--per-minute", "1000000")
        self.url = self.server.url
        self.killed = False

    def take(self) -> int | None:
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next - 1

    def data(self, n: int) -> dict:
        return {**BASE, "title": f"Load story {n}", "answer-surprised": f"Answer number {n}, nonce {n * 7919}."}

    def client(self) -> None:
        session = requests.Session()
        while (n := self.take()) is not None:
            while time.monotonic() < self.deadline:
                files = {"photo": (f"p{n}.jpg", self.photo, "image/jpeg")} if n % self.photo_every == 0 else None
                start = time.monotonic()
                try:
                    response = session.post(self.url + "/contribute/", data=self.data(n), files=files, timeout=30)
                except requests.RequestException:
                    with self.lock:
                        self.failures += 1
                    session = requests.Session()
                    time.sleep(0.2)
                    continue
                elapsed = time.monotonic() - start
                found = CODE.findall(response.text) if response.status_code == 200 else []
                if not found:
                    with self.lock:
                        self.failures += 1
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.acked[n] = found[0]
                    self.latencies.append(elapsed)
                    kill = self.kill_at is not None and not self.killed and len(self.acked) >= self.kill_at
                    if kill:
                        self.killed = True
                if kill:
                    self.kill_and_restart()
                break

    def kill_and_restart(self) -> None:
        self.peak_kb = max(self.peak_kb, peak_rss_kb(self.server.proc.pid))
        os.kill(self.server.proc.pid, signal.SIGKILL)
        self.server.proc.wait()
        leftovers = sorted(p.name for p in self.server.inbox.glob(".harvest-*"))
        print(f"  SIGKILLed the server with {len(self.acked)} acknowledged; temporary files left: {leftovers}")
        self.server = start_collect(self.project, self.site, "--per-minute", "1000000")
        self.url = self.server.url

    def go(self) -> float:
        threads = [threading.Thread(target=self.client) for _ in range(self.clients)]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        sampler_stop = threading.Event()

        def sample():
            while not sampler_stop.wait(0.2):
                self.peak_kb = max(self.peak_kb, peak_rss_kb(self.server.proc.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - start
        self.peak_kb = max(self.peak_kb, peak_rss_kb(self.server.proc.pid))
        sampler_stop.set()
        sampler.join()
        log = self.server.stop()
        if "Traceback" in log:
            print(log)
            raise SystemExit("FAIL: a traceback in the server log")
        return took

    def verify(self) -> dict:
        inbox = self.server.inbox
        files = sorted(inbox.glob("*.md"))
        by_title: dict[str, list[Path]] = {}
        corrupt = 0
        for file in files:
            text = file.read_text("utf-8")
            match = re.search(r"^title: Load story (\d+)$", text, re.M)
            n = int(match.group(1)) if match else -1
            expected = f"## What surprised us?\n\nAnswer number {n}, nonce {n * 7919}.\n"
            if not match or not text.endswith(expected) or not text.startswith("---\n"):
                corrupt += 1
            by_title.setdefault(str(n), []).append(file)
        receipts = (inbox / "receipts.txt").read_text().splitlines() if (inbox / "receipts.txt").exists() else []
        codes = {line.split("\t")[1] for line in receipts}
        lost = [n for n, code in self.acked.items() if str(n) not in by_title or code not in codes]
        extra = sum(len(v) - 1 for v in by_title.values())
        temporary = sorted(p.name for p in inbox.iterdir() if p.name.startswith("."))
        photos = sorted(inbox.glob("*.jpg"))
        with_exif = 0
        for photo in photos:
            with Image.open(photo) as image:
                with_exif += bool(image.getexif())
        check = subprocess.run(
            [sys.executable, "-m", "harvest.cli", "check"], cwd=self.project, capture_output=True, text=True
        )
        return {
            "files": len(files),
            "acked": len(self.acked),
            "lost": len(lost),
            "corrupt": corrupt,
            "duplicates": extra,
            "temporary_left": temporary,
            "photos": len(photos),
            "photos_with_exif": with_exif,
            "check": check.returncode,
            "check_tail": check.stdout.strip().splitlines()[-1:],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--photo-every", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    if not (1 <= args.clients <= 100 and 1 <= args.stories <= 2000):
        parser.error("at most 100 clients and 2000 stories")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    work = Path(tempfile.mkdtemp(prefix="load-collect-"))
    ok = True
    try:
        template = work / "template"
        template.mkdir()
        for name in ("mkdocs.yml", "overrides", "stories"):
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, template / name)
        shutil.rmtree(template / "stories" / "_inbox", ignore_errors=True)
        site = work / "site"
        subprocess.run(
            [sys.executable, "-m", "harvest.cli", "build", "-d", str(site)],
            cwd=template,
            check=True,
            capture_output=True,
        )
        for label, kill in (("steady", None), ("SIGKILL mid-run", args.stories // 2)):
            project = work / label.split()[0].lower()
            shutil.copytree(template, project)
            deadline = time.monotonic() + args.max_seconds
            run = Run(project, site, args.clients, args.stories, args.photo_every, deadline, kill_at=kill)
            took = run.go()
            result = run.verify()
            lat = sorted(run.latencies)
            p50 = statistics.median(lat) * 1000 if lat else 0
            p95 = lat[max(0, int(len(lat) * 0.95) - 1)] * 1000 if lat else 0
            print(
                f"{label}: {args.clients} clients, {args.stories} stories "
                f"({args.stories // args.photo_every} with a photo) in {took:.1f} s; "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms; server peak RSS {run.peak_kb / 1024:.0f} MB; "
                f"failed attempts retried: {run.failures}"
            )
            print(f"  {result}")
            good = (
                result["acked"] == args.stories
                and result["lost"] == 0
                and result["corrupt"] == 0
                and result["temporary_left"] == []
                and result["photos_with_exif"] == 0
                and result["check"] == 0
            )
            if kill is None:
                good = good and result["duplicates"] == 0 and result["files"] == args.stories
            ok = ok and good
            print(f"  {'OK' if good else 'FAIL'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
