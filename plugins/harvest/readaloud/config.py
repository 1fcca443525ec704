"""The `harvest-readaloud` plugin's options in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class ReadAloudConfig(base.Config):
    sessions_dir = c.Type(str, default="_readings")  # inside the stories folder; `_` keeps it out of the stories
    nav_title = c.Type(str, default="Readings")
    # Words on one read-aloud screen at most: parts are cut between paragraphs (a longer one stays whole).
    words_per_screen = c.Type(int, default=90)
