"""Search over the published archive: a whoosh index for the terminal, a compact
script-file index for the browser, and related stories. Plain Python, no MkDocs.

Everything here is built from an `Archive` (what one build profile may see), never
from story files, so withheld stories and redacted passages cannot be found.
"""

import sys as _sys
import types as _types


def _import_whoosh_lightly() -> None:
    """Import whoosh without the two modules it loads for nothing a search uses: `urllib.request`
    (for a download helper) and `asyncio` (which `cached_property` asks "is this a coroutine?";
    whoosh has none). Together they are half the start-up of `harvest search`. Stand-ins are in
    `sys.modules` only while whoosh is imported, and only for modules not loaded yet, so anything
    imported later gets the real modules."""
    stand_ins = {}
    for name, attributes in (
        ("urllib.request", {"urlretrieve": _no_download}),
        ("asyncio", {"iscoroutinefunction": lambda function: False}),
    ):
        if name not in _sys.modules:
            module = _types.ModuleType(name, "stand-in while whoosh is imported (harvest.search)")
            module.__dict__.update(attributes)
            stand_ins[name] = _sys.modules[name] = module
    try:
        import whoosh.compat
        import whoosh.reading  # noqa: F401  (imports cached_property)
    finally:
        for name, module in stand_ins.items():
            if _sys.modules.get(name) is module:
                del _sys.modules[name]


def _no_download(*args, **kwargs):
    raise RuntimeError("harvest never downloads anything")


_import_whoosh_lightly()
