"""`make`'s first run: install Harvest and its pinned dependencies into the venv, saying what happens.

pip is quiet for half a minute or prints a screenful per package; this prints one short line per
package instead, keeps pip's whole output in <venv>/install.log, and on failure shows its end.
Standard library only: it runs with the system Python, before anything is installed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

EXTRAS = ".[test,collect]"


def main(venv: str = ".venv") -> int:
    python = Path(venv) / "bin" / "python"
    log_path = Path(venv) / "install.log"
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    command += ["-c", "constraints.txt", "-e", EXTRAS]
    print(f"  installing the packages (pip's full output: {log_path}):", flush=True)
    start, count = time.monotonic(), 0
    with log_path.open("w", encoding="utf-8") as log:
        pip = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert pip.stdout is not None
        for line in pip.stdout:
            log.write(line)
            if line.startswith("Collecting "):
                count += 1
                print(f"  {count:4d}  {line.split()[1]}", flush=True)
            elif line.startswith("Installing collected packages"):
                print("  unpacking them into the environment (the longest step, ~10 s)...", flush=True)
        status = pip.wait()
    if status:
        tail = log_path.read_text("utf-8").splitlines()[-25:]
        print("Installing failed; the end of " + str(log_path) + ":", *tail, sep="\n", file=sys.stderr)
        return status
    print(f"  {count} packages installed in {time.monotonic() - start:.0f} s", flush=True)
    return compile_package(python)


def compile_package(python: Path) -> int:
    """Byte-compile Harvest's own modules once. The package is installed editable (its source is
    imported in place), so pip compiles nothing of it; with PYTHONDONTWRITEBYTECODE set, every
    `harvest` command would compile its modules from source again (a third of `harvest search`'s
    start-up). A module edited later has a newer mtime than its .pyc: Python then compiles that one
    from source, as before, so a stale .pyc is never used."""
    package = Path(__file__).resolve().parents[1] / "plugins" / "harvest"
    done = subprocess.run([str(python), "-m", "compileall", "-q", str(package)], stdout=subprocess.DEVNULL)
    if done.returncode:
        print("  (byte-compiling plugins/harvest failed; Harvest works, only starts slower)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
