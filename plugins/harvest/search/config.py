"""The `harvest-search` plugin's options in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class SearchConfig(base.Config):
    enabled = c.Type(bool, default=True)
    # Keep the terminal index (`harvest search`) current: "auto" updates it when it exists
    # (`harvest index` creates it), "always" also creates it, "never" leaves it alone.
    whoosh = c.Choice(("auto", "always", "never"), default="auto")
