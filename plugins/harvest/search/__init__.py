"""Search over the published archive: a whoosh index for the terminal, a compact
script-file index for the browser, and related stories. Plain Python, no MkDocs.

Everything here is built from an `Archive` (what one build profile may see), never
from story files, so withheld stories and redacted passages cannot be found.
"""
