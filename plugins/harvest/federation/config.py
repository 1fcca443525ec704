"""The `harvest-federation` plugin's options in mkdocs.yml (the peers themselves are in
stories/federation.yml, next to the stories they bring)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class FederationConfig(base.Config):
    nav_title = c.Type(str, default="Federation")
    title = c.Type(str, default="Federation")
