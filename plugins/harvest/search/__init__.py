"""Search over the published archive: a whoosh index for the terminal, a compact
script-file index for the browser, and related stories. Plain Python, no MkDocs.

Everything here is built from an `Archive` (what one build profile may see), never
from story files, so withheld stories and redacted passages cannot be found.
"""

import sys as _sys
import types as _types


def _import_whoosh_lightly() -> None:
    """Import whoosh without the modules it loads for nothing a search uses: `urllib.request`
    (for a download helper), `asyncio` (which `cached_property` asks "is this a coroutine?";
    whoosh has none), `html` (for `escape`, which only whoosh's highlighter uses), the Porter
    stemmer and double metaphone (for whoosh's stemming and sound-alike filters: our analyzer has
    neither), and `hashlib` for the MD5 of whoosh's hash tables (Python's built-in MD5 is the
    same function, without the OpenSSL that `hashlib` loads, ~4 ms). Each other stand-in
    function imports the real one if it is ever called, and anything else asked of a stand-in
    comes from the real module. Stand-ins are in `sys.modules` only while whoosh is imported, and
    only for modules not loaded yet, so anything imported later gets the real modules. And
    `whoosh.lang.morph_en` is imported with its regular expressions compiled on first use
    (`_import_uncompiled`). All this was half the start-up of `harvest search`."""
    stand_ins = {}
    for name, attributes in (
        ("urllib.request", {"urlretrieve": _no_download}),
        ("asyncio", {"iscoroutinefunction": lambda function: False}),
        ("html", {"escape": _html_escape}),
        ("whoosh.lang.porter", {"stem": _porter_stem}),
        ("whoosh.lang.dmetaphone", {"double_metaphone": _double_metaphone}),
        ("hashlib", {"md5": _builtin_md5()}),
    ):
        if name not in _sys.modules and None not in attributes.values():
            module = _StandIn(name, "stand-in while whoosh is imported (harvest.search)")
            module.__dict__.update(attributes)
            stand_ins[name] = _sys.modules[name] = module
    try:
        import whoosh.codec.whoosh3
        import whoosh.compat
        import whoosh.reading  # noqa: F401  (imports cached_property)

        if "whoosh.lang.morph_en" not in _sys.modules:
            _import_uncompiled("whoosh.lang.morph_en")
    finally:
        for name, module in stand_ins.items():
            if _sys.modules.get(name) is module:
                del _sys.modules[name]


class _StandIn(_types.ModuleType):
    def __getattr__(self, name: str):  # (what the stand-in lacks: from the real module)
        import importlib

        if name.startswith("__"):  # (`from x import y` asks for `__path__`: a stand-in has none)
            raise AttributeError(name)
        if _sys.modules.get(self.__name__) is self:
            del _sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


class _Uncompiled:
    """A regular expression compiled when first used."""

    def __init__(self, compile_, pattern, flags=0):
        self._compile, self._args, self._pattern = compile_, (pattern, flags), None

    def __getattr__(self, name):
        if self._pattern is None:
            self._pattern = self._compile(*self._args)
        return getattr(self._pattern, name)


def _import_uncompiled(name: str) -> None:
    """Import a module whose regular expressions are compiled when first used, not at import.
    `whoosh.lang.morph_en` (English word variants, which `whoosh.query` imports) compiles 115
    word-ending rules into 6 large expressions as it is imported: ~12 ms of every `harvest search`,
    where `search.variations` reads its rules and compiles only the few a word could match.
    `re.compile` is replaced only while that one module runs (it imports nothing else)."""
    import importlib
    import re

    compile_ = re.compile
    re.compile = lambda pattern, flags=0: _Uncompiled(compile_, pattern, flags)  # type: ignore[assignment]
    try:
        importlib.import_module(name)
    finally:
        re.compile = compile_


def _builtin_md5():
    try:
        from _md5 import md5  # type: ignore[import-not-found]
    except ImportError:  # (a Python built without it: whoosh gets hashlib's)
        return None
    return md5


def _porter_stem(word):
    from whoosh.lang.porter import stem

    return stem(word)


def _double_metaphone(word):
    from whoosh.lang.dmetaphone import double_metaphone

    return double_metaphone(word)


def _html_escape(text, quote=True):
    import html

    return html.escape(text, quote)


def _no_download(*args, **kwargs):
    raise RuntimeError("harvest never downloads anything")


_import_whoosh_lightly()
