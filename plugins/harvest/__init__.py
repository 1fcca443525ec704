"""Harvest: turn a folder of story files into an archive.

- ``harvest.core``: the domain, plain Python (settings, parse, validate, privacy, archive, images).
- ``harvest.site``, ``search``, ``readaloud``, ``digests``, ``contribute``: one package per feature;
  each MkDocs plugin is a thin ``plugin.py`` over its feature's logic, with its options in ``config.py``.
- ``harvest.offline``, ``importer``, ``intake``: features the command line drives.
- ``harvest.cli``: the ``harvest`` command, one module per group of sub-commands.
"""
