"""Harvest: turn a folder of story files into an archive.

The core modules (parse, validate, privacy, archive, ...) are plain Python; the
MkDocs layer lives in ``mkdocs_plugin`` and only adapts them to MkDocs events.
"""
