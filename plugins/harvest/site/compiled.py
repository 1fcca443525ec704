"""`harvest serve`: each theme template compiled once per process, not once per rebuild.

MkDocs makes a new Jinja `Environment` for every build, and a new environment compiles every
template it renders again (26 of them, 0.15-0.20 s of each rebuild at 5,000 stories). This is
a Jinja bytecode cache that keeps the compiled code in memory across rebuilds. A template's
code is used again only when
- its name, its file and the text of its source are the ones it was compiled from (Jinja's
  own bucket check: an edited template compiles anew), and
- the environment compiles the same way: its syntax settings, extensions, and the filters
  and tests it has (the compiler checks their names, and works out a filter on constant
  arguments while compiling), each by identity. A filter made anew for each build is another
  object: templates are then compiled for that build, as without this cache.
"""

from __future__ import annotations

import hashlib
from types import CodeType

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache

# Environment attributes the lexer, parser, optimizer and code generator read (Jinja 3.1): two
# environments of one class that agree on all of them compile a source the same way.
COMPILE_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
    "autoescape",
    "finalize",
    "undefined",
    "sandboxed",
    "intercepted_binops",
    "intercepted_unops",
)


def compile_signature(environment: Environment) -> tuple[str, list[object]]:
    """What decides how `environment` compiles a source, and the objects it names by identity
    (the same module function in every build; a new object for anything made per build)."""
    named: list[object] = []

    def identity(value: object) -> object:
        if value is None or type(value) in (str, bool, int, float):
            return value
        named.append(value)
        return (type(value).__qualname__, id(value))

    cls = type(environment)  # (its getattr and getitem work out constant expressions)
    parts: list[object] = [f"{cls.__module__}.{cls.__qualname__}"]
    parts += [(name, identity(getattr(environment, name, None))) for name in COMPILE_SETTINGS]
    parts.append(sorted(environment.extensions))
    for kind, mapping in (("filter", environment.filters), ("test", environment.tests)):
        parts.append((kind, sorted((name, identity(value)) for name, value in mapping.items())))
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest(), named


# Signatures whose code is kept (the most recently used): one for a theme that never changes,
# two when a plugin adds a filter after another has loaded a template; a filter made anew for
# each build makes a new signature at every build, and the oldest code goes.
KEEP_SIGNATURES = 4


class CompiledTemplates(BytecodeCache):
    """Compiled template code by (environment's signature, template name and file), with the
    checksum of the source it was compiled from; kept by the plugin for the process. The
    signature is taken each time a template is loaded: a plugin may add a filter after another
    has loaded a template."""

    def __init__(self) -> None:
        self._code: dict[str, dict[str, tuple[str, CodeType]]] = {}  # signature -> key -> (checksum, code)
        # signature -> the objects it names by id, held (no other object can take one of those ids);
        # least recently used first
        self._named: dict[str, list[object]] = {}

    def serve(self, environment: Environment) -> None:
        """Use this cache for `environment` (a build's)."""
        environment.bytecode_cache = self

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        signature, named = compile_signature(environment)
        if signature in self._named:
            self._named[signature] = self._named.pop(signature)  # the most recently used, last
        else:
            self._named[signature] = named
            self._code[signature] = {}
            while len(self._named) > KEEP_SIGNATURES:
                oldest = next(iter(self._named))
                del self._named[oldest], self._code[oldest]
        bucket = Bucket(environment, f"{signature}|{self.get_cache_key(name, filename)}", "")
        bucket.checksum = self.get_source_checksum(source)
        found = self._code[signature].get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        pass  # (get_bucket looks the code up)

    def dump_bytecode(self, bucket: Bucket) -> None:
        signature = bucket.key.partition("|")[0]
        if bucket.code is not None and signature in self._code:
            self._code[signature][bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self._code.clear()
        self._named.clear()
