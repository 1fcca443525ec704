"""A lean start for `harvest search`: it is a new process each time, and importing is most of it.

Some modules are imported by what a search imports without ever being used by a search:
`dataclasses` imports `inspect` (used only to write a docstring for a dataclass that has none),
`urllib.parse` (through `pathlib`) imports `ipaddress`, `shutil` (through argparse's help
formatter) imports `bz2` and `lzma`, whoosh imports `queue`, `tempfile`, `random` (for
temporary file names) and `calendar` (for date ranges), and `whoosh.collectors` imports
`whoosh.sorting` (used by `--newest` only).
Before anything else is imported, `defer` puts a stand-in for each in `sys.modules`: the first
time anything asks the stand-in for an attribute, it imports the real module and answers from
it (and from then on `import` gives the real module). So nothing changes but the time.

(`importlib.util.LazyLoader` cannot do this on Python 3.11: an `import` statement asks a module
in `sys.modules` for its `__spec__`, which loads it.) Only for the search command, each only if
nothing imported it yet. tests/test_search.py checks in a new process that a search leaves them
unloaded, so a change that brings one back shows.
"""

from __future__ import annotations

import importlib
import sys
import types

SEARCH_DEFERRED = (
    "inspect",
    "ipaddress",
    "bz2",
    "lzma",
    "queue",
    "tempfile",
    "random",
    "calendar",
    "whoosh.sorting",
)


class Deferred(types.ModuleType):
    """Stands for a module not imported yet; imports it when first asked for anything."""

    def __getattr__(self, attribute: str):  # (only for what the stand-in itself lacks)
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_real"] = importlib.import_module(self.__name__)
        return getattr(real, attribute)


def defer(names: tuple[str, ...] = SEARCH_DEFERRED) -> None:
    for name in names:
        if name in sys.modules:
            continue
        parent, _, child = name.rpartition(".")
        if parent:
            importlib.import_module(parent)  # (a package's own module: small)
        stand_in = sys.modules[name] = Deferred(name, "stand-in until first used (harvest.cli.lean)")
        if parent:
            setattr(sys.modules[parent], child, stand_in)


def loaded(name: str) -> bool:
    """Is the module really imported (not absent, not only a stand-in)?"""
    module = sys.modules.get(name)
    return module is not None and (not isinstance(module, Deferred) or "_real" in module.__dict__)
