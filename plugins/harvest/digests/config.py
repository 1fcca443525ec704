"""The `harvest-digests` plugin's options in mkdocs.yml, and the plain `DigestOptions` made from them.

Importable without the plugin: `harvest digest` reads the same options through here.
"""

from __future__ import annotations

import datetime as dt

from mkdocs.config import base
from mkdocs.config import config_options as c

from harvest.core.problems import HarvestError, Problem, did_you_mean
from harvest.core.settings import Settings
from harvest.digests.digest import DigestOptions
from harvest.digests.periods import KINDS, date_range, valid_key

WHERE = "plugins → harvest-digests"


class DateOption(c.BaseConfigOption[dt.date]):
    """A calendar date, written 2026-03-01 (YAML gives a date; a quoted string works too)."""

    def run_validation(self, value: object) -> dt.date:
        if value is None:
            raise c.ValidationError("missing: write a date like 2026-03-01")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise c.ValidationError(f"'{value}' is not a date like 2026-03-01") from None


class RangeConfig(base.Config):
    key = c.Type(str)  # the page's address: digests/<key>/ (letters, digits, hyphens)
    title = c.Optional(c.Type(str))  # shown as the digest's name (default: the dates)
    since = DateOption()
    until = DateOption()


class DigestsConfig(base.Config):
    period = c.Choice(KINDS, default="monthly")
    ranges = c.ListOfItems(c.SubConfig(RangeConfig), default=[])  # when given, replace `period`
    answers_prompt = c.Optional(c.Type(str))  # default: `missing`, when that prompt exists
    feeds = c.Optional(c.Type(bool))  # default: on (relative links until site_url is set)
    feed_size = c.Type(int, default=50)  # newest entries per feed
    emails = c.Type(bool, default=True)  # also write each digest's .eml/.html/.txt into the site
    email_from = c.Optional(c.Type(str))  # From: of the .eml files, e.g. "News <news@example.org>"
    email_to = c.Optional(c.Type(str))  # To: of the .eml files, e.g. a mailing list


def options_from(config: DigestsConfig, settings: Settings) -> DigestOptions:
    """Plain options from the validated plugin config; every mistake reported at once (HarvestError)."""
    problems, ranges, keys = [], [], set()
    for index, entry in enumerate(config.ranges):
        where = f"ranges[{index}] (key '{entry.key}')"
        if not valid_key(entry.key):
            problems.append(f"{where}: key must be lowercase letters, digits and hyphens, like spring-2026")
        elif entry.key in keys:
            problems.append(f"{where}: another range has the same key")
        keys.add(entry.key)
        try:
            ranges.append(date_range(entry.since, entry.until, entry.key, entry.title))
        except ValueError as error:
            problems.append(f"{where}: {error}")
    prompt = config.answers_prompt
    if prompt is None:
        prompt = "missing" if "missing" in settings.prompts_by_id else None
    elif prompt not in settings.prompts_by_id:
        problems.append(
            f"answers_prompt: no prompt has the id '{prompt}' (plugins → harvest → prompts); "
            + did_you_mean(prompt, settings.prompts_by_id)
        )
    if config.feed_size < 1:
        problems.append("feed_size: must be 1 or more")
    if problems:
        raise HarvestError([Problem("mkdocs.yml", None, WHERE, problem) for problem in problems])
    return DigestOptions(config.period, tuple(ranges), prompt)
