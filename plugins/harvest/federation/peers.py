"""stories/federation.yml: the archives we follow, validated fail-closed like a story.

    peers:
      riverside:                          # our name for them: their stories' id namespace
        name: Riverside Commune           # shown as "from Riverside Commune"
        key: ssh-ed25519 AAAA… riverside  # the only key their bundles may be signed with
        source: {folder: /media/usb/riverside}   # or {git: URL, path: sub/folder}, or {url: https://…}
        lessons: {water: safety}          # their lesson -> ours (others: theirs, shown as theirs)
        events: {drill: crisis-sim}       # their event kind -> ours
        show: true                        # show their stories on our site (default true)
        digests: true                     # and in our digests and feeds (default true)
        readings: true                    # and in our reading sessions (default true)
        reshare: false                    # their public stories in our own exports (default false)

A url source may say `allow_http: true` (else https only), `max_mb:` (default 512) and
`timeout:` (seconds for the whole download, default 300).

Unknown keys, duplicate keys, a key that is not an OpenSSH public key, a source that is not
exactly one of folder/git/url: each is a `path:line: field:` problem; nothing is pulled or shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.parse import decode_text, load_yaml_mapping
from harvest.core.problems import Problem, did_you_mean
from harvest.core.settings import Settings
from harvest.core.textchars import unsafe_char

FILE_NAME = "federation.yml"
PEER_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # no `--`: it separates namespace and id
MAX_PEER_NAME = 40
TOP_KEYS = ("peers",)
PEER_KEYS = ("name", "key", "source", "lessons", "events", "show", "digests", "readings", "reshare")
SOURCE_KINDS = ("folder", "git", "url")
URL_OPTIONS = ("allow_http", "max_mb", "timeout")
SOURCE_KEYS = (*SOURCE_KINDS, "path", *URL_OPTIONS)
DEFAULT_MAX_MB = 512
MAX_MAX_MB = 2048  # a bundle is never read past 2 GiB anyway (pull.MAX_BUNDLE_BYTES)
DEFAULT_TIMEOUT = 300
MAX_TIMEOUT = 3600
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
GIT_URL = re.compile(r"(?:https://|ssh://|file://|git@[A-Za-z0-9.-]+:)\S+")
KEY_HINT = "paste the one line of their public key (.pub), e.g. `key: ssh-ed25519 AAAAC3… riverside`"


@dataclass(frozen=True)
class Source:
    kind: str  # folder | git | url
    location: str  # a folder (or .zip file) path, a git remote or an http(s) URL
    path: str = ""  # for git: the folder in the repository holding the bundle
    allow_http: bool = False  # url: plain http allowed (said explicitly in federation.yml)
    max_bytes: int = DEFAULT_MAX_MB * 1024**2  # url: refused past this many bytes
    timeout: float = DEFAULT_TIMEOUT  # url: seconds for the whole download


@dataclass(frozen=True)
class Peer:
    name: str
    title: str
    key: str
    source: Source
    lessons: dict[str, str] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    show: bool = True
    digests: bool = True
    line: int | None = None
    readings: bool = True
    reshare: bool = False


def federation_file(settings: Settings) -> Path:
    return settings.stories_dir / FILE_NAME


def load_peers(settings: Settings) -> tuple[dict[str, Peer], list[Problem]]:
    """-> (peer name -> Peer, problems). No file: no peers."""
    file = federation_file(settings)
    display = settings.display_path(file)
    if file.is_symlink():
        return {}, [
            Problem(
                display,
                None,
                "file",
                "is a symbolic link; the list of peers (and their keys) must be a real file in the stories folder",
                "replace the link with the file itself",
            )
        ]
    if not file.is_file():
        return {}, []
    text, problems = decode_text(file.read_bytes(), display, max_bytes=1_000_000)
    if text is None:
        return {}, problems
    if not text.strip():
        return {}, []
    data, lines, problems = load_yaml_mapping(text, display, first_line=1)
    if data is None:
        return {}, problems
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(display, lines.get(key), key, "unknown field", did_you_mean(key, TOP_KEYS)))
    peers_value = data.get("peers") or {}
    if not isinstance(peers_value, dict):
        problems.append(
            Problem(
                display,
                lines.get("peers"),
                "peers",
                "should be a mapping of peer name -> settings",
                "e.g. `peers:` then `  riverside:` then `    name: Riverside Commune`",
            )
        )
        return {}, problems
    line_of = _line_finder(text)
    peers = {}
    for name, value in peers_value.items():
        peer, peer_problems = _peer(str(name), value, display, line_of)
        problems += peer_problems
        if peer is not None and not peer_problems:
            peers[peer.name] = peer
    return (peers if not problems else {}), problems


def _line_finder(text: str):
    """-> line_of("peers.riverside.key"): the line of any key (checked YAML, so composing is safe)."""
    import yaml

    from harvest.core.parse import FrontMatterLoader

    found: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                name = f"{prefix}{key_node.value}"
                found.setdefault(name, key_node.start_mark.line + 1)
                walk(value_node, name + ".")

    walk(yaml.compose(text, Loader=FrontMatterLoader), "")
    return lambda name: found.get(name)


def _peer(name: str, value, display: str, line_of) -> tuple[Peer | None, list[Problem]]:
    where = f"peers.{name}"
    line = line_of(where)
    problems: list[Problem] = []

    def problem(field_name: str, message: str, hint: str = "") -> None:
        full = f"{where}.{field_name}" if field_name else where
        problems.append(Problem(display, line_of(full) or line_of(full.rsplit(".", 1)[0]) or line, full, message, hint))

    if not PEER_NAME.fullmatch(name) or len(name) > MAX_PEER_NAME:
        problem(
            "",
            f"'{name}' is not a usable peer name",
            f"lowercase letters and digits with single hyphens, at most {MAX_PEER_NAME} characters "
            "(it names their folder and prefixes their story ids)",
        )
        return None, problems
    if not isinstance(value, dict):
        problem("", "a peer needs `name:`, `key:` and `source:`", "indent them under the peer's name")
        return None, problems
    for key in value:
        if key not in PEER_KEYS:
            problem(str(key), "unknown field", did_you_mean(str(key), PEER_KEYS))
    title = value.get("name")
    if not isinstance(title, str) or not title.strip() or unsafe_char(title.strip()):
        problem("name", "missing, or not plain one-line text", "e.g. `name: Riverside Commune`")
    key = value.get("key")
    if not isinstance(key, str) or not _is_public_key_line(key):
        problem(
            "key",
            "missing, or not an OpenSSH public key"
            + ("; this is a PRIVATE key: never put it here" if isinstance(key, str) and "PRIVATE" in key else ""),
            KEY_HINT,
        )
    source = _source(value.get("source"), problem)
    maps = {}
    for kind in ("lessons", "events"):
        mapping = value.get(kind) or {}
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and SLUG.fullmatch(k) and SLUG.fullmatch(v)
            for k, v in mapping.items()
        ):
            problem(kind, "should map their ids to ours", f"e.g. `{kind}: {{theirs: ours}}`")
            mapping = {}
        maps[kind] = dict(mapping)
    flags = {}
    for flag, default in (("show", True), ("digests", True), ("readings", True), ("reshare", False)):
        flag_value = value.get(flag, default)
        if not isinstance(flag_value, bool):
            problem(flag, "should be true or false", f"e.g. `{flag}: {str(default).lower()}`")
        flags[flag] = flag_value is True
    # each of the last three is already a problem when it fails; named here for the checker
    if problems or not isinstance(title, str) or not isinstance(key, str) or source is None:
        return None, problems
    return Peer(
        name,
        title.strip(),
        " ".join(key.split()[:2]),
        source,
        maps["lessons"],
        maps["events"],
        flags["show"],
        flags["digests"],
        line,
        flags["readings"],
        flags["reshare"],
    ), problems


def _source(value, problem) -> Source | None:
    hint = (
        "one of `source: {folder: /media/usb/riverside}`, `source: {git: https://…/archive.git}` "
        "or `source: {url: https://…/}`"
    )
    if not isinstance(value, dict):
        problem("source", "missing, or not a mapping", hint)
        return None
    for key in value:
        if key not in SOURCE_KEYS:
            problem(f"source.{key}", "unknown field", did_you_mean(str(key), SOURCE_KEYS))
    kinds = [k for k in SOURCE_KINDS if k in value]
    if len(kinds) != 1:
        problem("source", "needs exactly one of folder, git or url", hint)
        return None
    kind = kinds[0]
    location = value[kind]
    if not isinstance(location, str) or not location.strip() or unsafe_char(location.strip()):
        problem(f"source.{kind}", "should be one line of text", hint)
        return None
    location = location.strip()
    sub = value.get("path", "")
    if sub and (kind != "git" or not isinstance(sub, str) or ".." in sub.split("/") or sub.startswith("/")):
        problem("source.path", "only for git sources: a folder inside the repository", "e.g. `path: federation`")
        return None
    if kind == "git" and not (GIT_URL.fullmatch(location) or location.startswith(("/", "./", "../"))):
        problem(
            "source.git",
            f"'{location}' is not a git remote Harvest uses",
            "give an https://, ssh://, git@host: or file:// address, or a local path",
        )
        return None
    options = [k for k in URL_OPTIONS if k in value]
    if options and kind != "url":
        problem(f"source.{options[0]}", "only for url sources", "remove it, or give `url:`")
        return None
    if kind == "url":
        return _url_source(location, value, problem, hint)
    return Source(kind, location, sub or "")


def _url_source(location: str, value: dict, problem, hint: str) -> Source | None:
    from urllib.parse import urlsplit

    allow_http = value.get("allow_http", False)
    if not isinstance(allow_http, bool):
        problem("source.allow_http", "should be true or false", "e.g. `allow_http: true` (plain http)")
        return None
    try:
        parts = urlsplit(location)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        problem("source.url", f"'{location}' is not an https:// address", hint)
        return None
    if parts.username or parts.password:
        problem(
            "source.url",
            "has a user name or password in it",
            "publish the bundle where it can be fetched without one (the signature protects it)",
        )
        return None
    if parts.scheme == "http" and not allow_http:
        problem(
            "source.url",
            "plain http:// shows whoever watches the network which archives we follow",
            "use https://, or add `allow_http: true` to the source if there is no other way",
        )
        return None
    numbers = {}
    for name, default, top in (("max_mb", DEFAULT_MAX_MB, MAX_MAX_MB), ("timeout", DEFAULT_TIMEOUT, MAX_TIMEOUT)):
        number = value.get(name, default)
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= top:
            problem(f"source.{name}", f"should be a whole number from 1 to {top}", f"e.g. `{name}: {default}`")
            return None
        numbers[name] = number
    return Source("url", location, "", allow_http, numbers["max_mb"] * 1024**2, float(numbers["timeout"]))


def _is_public_key_line(text: str) -> bool:
    from harvest.offline.verify import _is_public_key

    fields = text.split()
    return "PRIVATE" not in text and len(fields) >= 2 and _is_public_key(fields[0], fields[1])
