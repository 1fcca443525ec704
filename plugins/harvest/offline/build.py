"""Build the site for reading from a folder (file://): the MkDocs side of `harvest pack`.

The user's mkdocs.yml is loaded as for `harvest build`, then adjusted in memory only:
no directory URLs, Material's `offline` plugin on (search index inlined as a script),
the vendored polyfills listed so Material never fetches them from unpkg.com, and
SOURCE_DATE_EPOCH pinned (to the newest published story unless the user set it) so
the sitemap and every other dated output are the same on every run.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from harvest.core.problems import HarvestError, Problem

VENDOR_URI = "assets/harvest/vendor/"
# Package resource (under plugins/harvest/assets/vendor/) -> copied into the site; scripts are polyfills.
VENDORED = ("iframe-worker/shim/index.js", "iframe-worker/LICENSE",
            "resize-observer-polyfill/ResizeObserver.js", "resize-observer-polyfill/LICENSE")
POLYFILLS = (VENDOR_URI + "iframe-worker/shim/index.js", VENDOR_URI + "resize-observer-polyfill/ResizeObserver.js")
ZIP_EPOCH_MIN = 315532800  # 1980-01-01: the earliest time a zip entry can carry


class OfflineAssets(BasePlugin):
    """Added by `harvest pack` to the config it builds (not an entry point): ships the vendored
    scripts and fixes the archive's date once the core plugin has published the stories."""

    def __init__(self):
        super().__init__()
        self.load_config({})
        self.epoch: int | None = None
        self.stories = 0
        self.profile = ""

    def on_config(self, config):
        self.epoch, self.stories, self.profile = None, 0, ""
        return config

    def on_files(self, files: Files, *, config) -> Files:
        from harvest.site.plugin import harvest_plugin
        core = harvest_plugin(config)
        archive = core.archive
        self.stories, self.profile = len(archive.stories), core.settings.profile
        self.epoch = epoch_from_env()
        if self.epoch is None and archive.stories:
            self.epoch = day_epoch(archive.stories[0].date)  # newest first
            os.environ["SOURCE_DATE_EPOCH"] = str(self.epoch)  # read by MkDocs for page dates
        vendor = resources.files("harvest").joinpath("assets/vendor")
        for name in VENDORED:
            if files.get_file_from_path(VENDOR_URI + name) is not None:  # the core ships some in every build
                continue
            files.append(File.generated(config, VENDOR_URI + name, content=vendor.joinpath(name).read_bytes(),
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        return files


def day_epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def epoch_from_env() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    if not value.strip().isdigit() or int(value) < ZIP_EPOCH_MIN:
        raise HarvestError([Problem("SOURCE_DATE_EPOCH", None, "environment", f"'{value}' is not usable",
                                    "give seconds since 1970 from 1980 on (e.g. `date -d 2026-03-14 +%s`), "
                                    "or unset it to use the newest story's date")])
    return int(value)


@contextmanager
def _restored_environ(*names: str):
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def offline_config(config_file: Path, site_dir: Path):
    """mkdocs.yml as the offline build sees it, plus the plugin that reports the archive's date."""
    from material.plugins.offline.plugin import OfflinePlugin
    from harvest.cli.project import load_mkdocs_config

    config = load_mkdocs_config(config_file, strict=True, site_dir=str(site_dir), use_directory_urls=False)
    offline = next((p for p in config.plugins.values() if isinstance(p, OfflinePlugin)), None)
    if offline is None:
        offline = OfflinePlugin()
        offline.load_config({"enabled": True})
        config.plugins["material/offline"] = offline
    offline.config.enabled = True
    # Listed before Material's on_config runs, so it does not add https://unpkg.com/iframe-worker/shim.
    polyfills = [p for p in POLYFILLS if p not in config.extra.get("polyfills", [])]
    config.extra["polyfills"] = polyfills + list(config.extra.get("polyfills", []))
    # Feeds and email files are for feed readers and mail clients, which a USB copy has no use for
    # (and at 1,000 stories they would be a third of the zip); their links go with them.
    from harvest.digests.plugin import DigestsPlugin
    for plugin in config.plugins.values():
        if isinstance(plugin, DigestsPlugin):
            plugin.config.feeds = False
            plugin.config.emails = False
    assets = OfflineAssets()
    config.plugins["harvest-offline-assets"] = assets
    return config, assets


def build_offline(config_file: Path, site_dir: Path, profile: str | None = None) -> OfflineAssets:
    """Build the site into `site_dir`; returns the assets plugin holding the archive's date."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    with _restored_environ("SOURCE_DATE_EPOCH", "HARVEST_PROFILE"):
        if profile:
            os.environ["HARVEST_PROFILE"] = profile
        epoch_from_env()  # a bad value fails before anything is built
        config, assets = offline_config(config_file, site_dir)
        try:
            build(config)
        except (MkDocsException, Abort) as error:
            raise HarvestError(f"harvest pack: the offline build failed: {error}") from None
    if not assets.stories:
        raise HarvestError(f"harvest pack: profile '{profile or os.environ.get('HARVEST_PROFILE', 'public')}' "
                           "publishes no stories, so there is nothing to pack")
    return assets
