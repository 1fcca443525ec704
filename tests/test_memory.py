"""core/memory.py: a page of megabytes, freed, leaves the build's memory as it was (glibc)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# A 16 MB string freed (glibc then raises its threshold to 16 MB), then an 8 MB one (from the
# heap, under that threshold) freed: how many MB the process keeps of the second.
KEPT = """
import os, sys
from harvest.core.memory import give_back_big_blocks
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
if sys.argv[1] == "fixed":
    assert give_back_big_blocks()
page = "x" * (16 << 20); del page
before = rss()
page = "y" * (8 << 20); del page
print(round(rss() - before, 1))
"""


def kept(mode: str, env: dict | None = None) -> float:
    done = subprocess.run([sys.executable, "-c", KEPT, mode], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout)


@glibc
def test_a_freed_big_block_is_given_back():
    assert kept("fixed") < 1.0
    assert kept("default") > 6.0  # glibc's own rule keeps it: what the fixed threshold prevents


@glibc
def test_the_users_own_malloc_setting_wins(monkeypatch):
    from harvest.core.memory import give_back_big_blocks

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert give_back_big_blocks() is False


def test_nothing_happens_on_another_system(monkeypatch):
    from harvest.core import memory

    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.give_back_big_blocks() is False
