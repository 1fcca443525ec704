#!/usr/bin/env python3
"""Build the sample archive and print one sha256 per output file, then one for the whole site.

Run it on two commits to check that a refactoring left the site byte for byte the same:

    git stash -u; python scripts/site_fingerprint.py > /tmp/before.txt; git stash pop
    python scripts/site_fingerprint.py > /tmp/after.txt
    diff /tmp/before.txt /tmp/after.txt && echo identical

The build uses a copy of the project in a temporary folder, a fixed HARVEST_TODAY and
SOURCE_DATE_EPOCH, and each profile given (default: public members archive).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
FIXED = {"HARVEST_TODAY": "2026-12-02", "SOURCE_DATE_EPOCH": "1764633600", "NO_MKDOCS_2_WARNING": "1"}


def fingerprint(site: Path) -> list[str]:
    lines = []
    for file in sorted(p for p in site.rglob("*") if p.is_file()):
        lines.append(f"{hashlib.sha256(file.read_bytes()).hexdigest()}  {file.relative_to(site).as_posix()}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="*", default=["public", "members", "archive"])
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "HARVEST_PROFILE"} | FIXED
    with tempfile.TemporaryDirectory(prefix="harvest-fingerprint-") as tmp:
        project = Path(tmp) / "archive"
        project.mkdir()
        shutil.copy(PROJECT / "mkdocs.yml", project)
        for folder in ("stories", "overrides"):
            shutil.copytree(PROJECT / folder, project / folder)
        for profile in args.profiles:
            site = Path(tmp) / f"site-{profile}"
            result = subprocess.run(
                [sys.executable, "-m", "harvest.cli", "build", "--profile", profile, "-d", str(site)],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                print(result.stdout + result.stderr, file=sys.stderr)
                return 1
            lines = fingerprint(site)
            whole = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            print(f"# profile {profile}: {len(lines)} files, site {whole}")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
