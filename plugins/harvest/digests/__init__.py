"""Newsletter digests: periods, grouping, feeds and emails, all from a published `Archive`.

Plain Python; `plugin.py` adapts it to MkDocs and `harvest.commands.digest` to the CLI.
"""
