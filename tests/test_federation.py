"""Federation (issue 18): `harvest export`, `harvest federation pull`, peer stories in our site.

Three archives in temporary folders, real `ssh-keygen` keys, real builds. Expected values are
written by hand from the sample stories (tests/../stories).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest

DAY1, DAY2 = {"HARVEST_TODAY": "2026-06-01"}, {"HARVEST_TODAY": "2026-06-02"}
# One word each, so the search index (lower-cased terms) would hold them whole if they leaked.
CANARY_PRIVATE = "Canaryprivatezq"
CANARY_MEMBERS = "Canarymemberszq"
CANARY_REDACTED = "Canaryredactedzq"
EDIT_MARK = "Editedafterthedrillzq"
# The sample archive's public stories (10), by id, as `harvest export` shares them.
PUBLIC_IDS = [
    "2025-02-winter-soup-line",
    "2025-03-tenant-assembly",
    "2025-05-may-day-bike-relay",
    "2025-07-fiesta-plaza",
    "2025-08-rent-strike-phone-tree",
    "2025-10-first-aid-training",
    "2025-11-generador-despensa",
    "2025-11-generator-pantry",
    "2026-03-flood-drill",
    "2026-07-street-festival-childcare",
]
BUNDLE = "harvest-federation.zip"


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)
    return path


def public_key(key: Path) -> str:
    return " ".join(Path(str(key) + ".pub").read_text().split()[:2])


def make_archive(folder: Path, site_name: str, stories: bool = True) -> Path:
    project = copy_project(folder, stories=stories)
    config = project / "mkdocs.yml"
    text = config.read_text().replace("site_name: Harvest — stories from our movements", f"site_name: {site_name}")
    config.write_text(text.replace("  - harvest-search ", "  - harvest-federation\n  - harvest-search "))
    return project


def harvest(project: Path, *args: str, env: dict | None = None, ok: bool = True):
    result = run_harvest(*args, cwd=project, env=env)
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def write_peers(project: Path, peers: dict[str, dict]) -> None:
    lines = ["peers:"]
    for name, peer in peers.items():
        lines += [f"  {name}:", f"    name: {peer['name']}", f"    key: {peer['key']}", f"    source: {peer['source']}"]
        lines += [f"    {k}: {v}" for k, v in peer.items() if k not in ("name", "key", "source")]
    (project / "stories" / "federation.yml").write_text("\n".join(lines) + "\n")


def every_text(folder: Path) -> str:
    """Every file under `folder`, zips opened, as one text (for canary searches)."""
    parts = []
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        if file.suffix == ".zip":
            with zipfile.ZipFile(file) as archive:
                parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        else:
            parts.append(file.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def story(project: Path, rel: str) -> Path:
    return project / "stories" / rel


# --- end to end: A exports, B follows A and C, A changes things, B pulls again ----------------------


def test_three_archives_end_to_end(tmp_path):
    key_a, key_c = keygen(tmp_path / "key_a"), keygen(tmp_path / "key_c")
    a = make_archive(tmp_path / "a", "Riverside Commune")
    c = make_archive(tmp_path / "c", "Orchard Union")
    b = make_archive(tmp_path / "b", "Harbour Tenants")
    # A: a private story and a redacted passage, both with canaries; neither may ever leave A.
    story(a, "2026/secret-meeting.md").write_text(
        "---\nid: 2026-04-secret-meeting\ntitle: Where we meet\ndate: 2026-04-02\nevent: assembly\nplace: Riverside\n"
        f"contributors: []\nlessons: [safety]\nsummary: Private.\nvisibility: private\n---\n\n{CANARY_PRIVATE} text.\n"
    )
    flood = story(a, "2026/flood-drill.md")
    flood.write_text(
        flood.read_text().replace(
            "We used the real phone tree", f"[[redact members]]{CANARY_REDACTED}[[/redact]] We used the real phone tree"
        )
    )
    harvest(a, "export", "--sign-key", str(key_a), "--out", str(tmp_path / "a-out"), env=DAY1)
    harvest(c, "export", "--sign-key", str(key_c), "--out", str(tmp_path / "c-out"), env=DAY1)
    # C publishes its bundle in a git repository; B fetches it with git (file:// remote).
    repo = tmp_path / "c-repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for name in (BUNDLE, BUNDLE + ".sig"):
        shutil.copy(tmp_path / "c-out" / name, repo / name)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=c",
            "-c",
            "user.email=c@example.invalid",
            "commit",
            "-q",
            "-m",
            "bundle 1",
        ],
        check=True,
    )
    write_peers(
        b,
        {
            "riverside": {
                "name": "Riverside Commune",
                "key": public_key(key_a),
                "source": f"{{folder: {tmp_path / 'a-out'}}}",
            },
            "orchard": {"name": "Orchard Union", "key": public_key(key_c), "source": f"{{git: {repo.as_uri()}}}"},
        },
    )
    own_before = {p: p.read_bytes() for p in (b / "stories").rglob("*.md")}

    first = harvest(b, "federation", "pull")
    assert (
        "riverside (Riverside Commune, bundle 1 of 2026-06-01): 10 new, 0 updated, 0 withdrawn, 0 unchanged"
        in first.stdout
    ), first.stdout
    assert "orchard (Orchard Union, bundle 1 of 2026-06-01): 10 new" in first.stdout
    again = harvest(b, "federation", "pull")  # idempotent
    assert (
        "riverside (Riverside Commune, bundle 1 of 2026-06-01): 0 new, 0 updated, 0 withdrawn, 10 unchanged"
        in again.stdout
    ), again.stdout
    harvest(b, "build")
    site = b / "site"
    page = (site / "_federation/riverside/2026/flood-drill/index.html").read_text()
    assert 'class="harvest-origin">From <a href="../../../../federation/riverside/">Riverside Commune</a>' in page
    assert "Shared by Priya Dandekar, Spoke Collective, 1 anonymous contributor" in page
    # Two peers share every id (both copy the sample): namespaced, both shown, ours untouched.
    assert (site / "_federation/orchard/2026/flood-drill/index.html").is_file()
    assert (site / "2026/flood-drill/index.html").is_file()
    assert "Orchard Union" in (site / "federation/index.html").read_text()
    assert "Soup for two hundred during the cold snap" in (site / "federation/riverside/index.html").read_text()

    # A edits one story, withdraws another (deleted), makes a third members-only (with a canary).
    flood.write_text(flood.read_text().replace("About thirty people played", f"{EDIT_MARK} About thirty people played"))
    story(a, "2025/winter-soup-line.md").unlink()
    rent = story(a, "2025/rent-strike-phone-tree.md")
    text = rent.read_text()
    rent.write_text(text.replace("\n---\n", f"\nvisibility: members\n---\n\n{CANARY_MEMBERS}\n", 1))
    shutil.copytree(tmp_path / "a-out", tmp_path / "a-out-1")
    second_export = harvest(a, "export", "--sign-key", str(key_a), "--out", str(tmp_path / "a-out"), env=DAY2)
    assert "bundle 2 of 2026-06-02" in second_export.stdout and "2 withdrawn" in second_export.stdout
    with zipfile.ZipFile(tmp_path / "a-out" / BUNDLE) as bundle:
        manifest = json.loads(bundle.read("federation.json"))
    assert manifest["withdrawn"] == ["2025-02-winter-soup-line", "2025-08-rent-strike-phone-tree"]

    dry = harvest(b, "federation", "pull", "riverside", "--dry-run")
    assert "1 updated, 2 withdrawn, 7 unchanged" in dry.stdout and "dry run: nothing was written" in dry.stdout
    assert story(b, "_federation/riverside/2025/winter-soup-line.md").is_file()
    second = harvest(b, "federation", "pull")
    assert (
        "riverside (Riverside Commune, bundle 2 of 2026-06-02): 0 new, 1 updated, 2 withdrawn, 7 unchanged"
        in second.stdout
    ), second.stdout
    assert not story(b, "_federation/riverside/2025/winter-soup-line.md").exists()
    assert {p: p.read_bytes() for p in (b / "stories").rglob("*.md") if "_federation" not in p.parts} == own_before
    harvest(b, "build")
    assert EDIT_MARK in (site / "_federation/riverside/2026/flood-drill/index.html").read_text()
    assert not (site / "_federation/riverside/2025/winter-soup-line").exists()
    assert not (site / "_federation/riverside/2025/rent-strike-phone-tree").exists()
    assert (site / "_federation/orchard/2025/winter-soup-line/index.html").is_file()  # C still shares its own
    search = "\n".join(f.read_text() for f in (site / "search").rglob("*.js"))
    assert EDIT_MARK.lower() in search and "_federation/riverside/2025/winter-soup-line" not in search
    feeds = "\n".join(f.read_text() for f in (site / "feeds").glob("*.xml"))
    assert "_federation/riverside/2026/flood-drill" in feeds
    assert "_federation/riverside/2025/winter-soup-line" not in feeds
    assert "_federation/riverside/2025/rent-strike" not in every_text(site / "digests")

    harvest(b, "pack", "--federation", "--out", str(tmp_path / "b-dist"))
    packed = every_text(tmp_path / "b-dist")
    assert EDIT_MARK in packed and "_federation/riverside/2025/winter-soup-line" not in packed
    harvest(b, "pack", "--out", str(tmp_path / "b-dist-own"))
    assert EDIT_MARK.lower() not in every_text(tmp_path / "b-dist-own").lower()  # peers' stories only when asked

    for canary in (CANARY_PRIVATE, CANARY_MEMBERS, CANARY_REDACTED):
        for output in (site, tmp_path / "b-dist", b / "stories", tmp_path / "a-out", tmp_path / "a-out-1"):
            assert canary.lower() not in every_text(output).lower(), (canary, output)

    # An older bundle replayed after the newer one is refused, and changes nothing.
    shutil.rmtree(tmp_path / "a-out")
    shutil.copytree(tmp_path / "a-out-1", tmp_path / "a-out")
    replay = harvest(b, "federation", "pull", "riverside", ok=False)
    assert replay.returncode == 1
    assert "riverside: REFUSED: bundle 1 of 2026-06-01 is older than bundle 2 of 2026-06-02" in replay.stdout
    assert not story(b, "_federation/riverside/2025/winter-soup-line.md").exists()


# --- export --------------------------------------------------------------------------------------


def test_export_is_reproducible_and_keeps_its_ledger(tmp_path):
    key = keygen(tmp_path / "key")
    a = make_archive(tmp_path / "a", "Riverside Commune")
    harvest(a, "export", "--sign-key", str(key), "--out", str(tmp_path / "one"), env=DAY1)
    harvest(a, "export", "--sign-key", str(key), "--out", str(tmp_path / "two"), env=DAY2)  # nothing changed
    assert (tmp_path / "one" / BUNDLE).read_bytes() == (tmp_path / "two" / BUNDLE).read_bytes()
    ledger = story(a, "federation-exports.txt").read_text()
    assert "\nlast 1 2026-06-01 " in ledger and "\nexported 2026-03-flood-drill\n" in ledger
    with zipfile.ZipFile(tmp_path / "one" / BUNDLE) as bundle:
        names = sorted(bundle.namelist())
        manifest = json.loads(bundle.read("federation.json"))
        flood = bundle.read("stories/2026/flood-drill.md").decode()
    assert [s["id"] for s in manifest["stories"]] == PUBLIC_IDS
    assert manifest["sequence"] == 1 and manifest["date"] == "2026-06-01" and manifest["withdrawn"] == []
    assert manifest["archive"]["name"] == "Riverside Commune" and len(manifest["archive"]["id"]) == 32
    assert names[:3] == ["MANIFEST.sha256", "federation.json", "lessons.yml"]
    assert "contributors: []" in flood and '"credits": ["Priya Dandekar", "Spoke Collective"]' in flood
    assert "priya" not in flood.split("---")[1]  # handles never leave the archive
    assert hashlib.sha256(flood.encode()).hexdigest() == next(
        s["sha256"] for s in manifest["stories"] if s["id"] == "2026-03-flood-drill"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "stories/out"], "--out: is inside the stories folder"),
        (["--out", "overrides/x"], "--out: is inside the theme overrides folder"),
        (["--out", "site"], "--out: is inside the site folder"),
        (["--profile", "archive", "--out", "dist"], "a bundle leaves the archive, so it never carries them"),
    ],
)
def test_export_refuses(tmp_path, args, message):
    a = make_archive(tmp_path / "a", "Riverside Commune")
    result = harvest(a, "export", *args, ok=False)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not story(a, "federation-exports.txt").exists()


# --- refusals -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """A's key, a stranger's key, and A's bundles 1 and 2 (one story edited between them)."""
    root = tmp_path_factory.mktemp("bundles")
    key, stranger = keygen(root / "key_a"), keygen(root / "stranger")
    a = make_archive(root / "a", "Riverside Commune")
    harvest(a, "export", "--sign-key", str(key), "--out", str(root / "v1"), env=DAY1)
    flood = story(a, "2026/flood-drill.md")
    flood.write_text(flood.read_text().replace("About thirty", "About forty"))
    harvest(a, "export", "--sign-key", str(key), "--out", str(root / "v2"), env=DAY2)
    return {"root": root, "key": key, "stranger": stranger, "v1": root / "v1", "v2": root / "v2"}


def follower(tmp_path: Path, bundles, source: Path) -> Path:
    b = make_archive(tmp_path / "b", "Harbour Tenants", stories=False)
    write_peers(
        b,
        {
            "riverside": {
                "name": "Riverside Commune",
                "key": public_key(bundles["key"]),
                "source": f"{{folder: {source}}}",
            }
        },
    )
    return b


def sign(zip_path: Path, key: Path) -> None:
    Path(str(zip_path) + ".sig").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", "harvest-federation", str(zip_path)],
        check=True,
        capture_output=True,
    )


def rebuilt(bundles, target: Path, change) -> Path:
    """Bundle 1 with `change(entries, manifest)` applied, its MANIFEST.sha256 recomputed, signed by A."""
    from harvest.offline.pack import _write_zip

    with zipfile.ZipFile(bundles["v1"] / BUNDLE) as old:
        entries = {n: old.read(n) for n in old.namelist() if n != "MANIFEST.sha256"}
    manifest = json.loads(entries["federation.json"])
    change(entries, manifest)
    entries["federation.json"] = json.dumps(manifest).encode()
    target.mkdir(parents=True, exist_ok=True)
    _write_zip(entries, 1780000000, target / BUNDLE)
    sign(target / BUNDLE, bundles["key"])
    return target


def escape_path(path: str):
    def change(entries, manifest):
        entries[f"stories/{path}"] = entries.pop("stories/2026/flood-drill.md")
        next(s for s in manifest["stories"] if s["id"] == "2026-03-flood-drill")["path"] = path

    return change


def escape_id(story_id: str):
    def change(entries, manifest):
        next(s for s in manifest["stories"] if s["id"] == "2026-03-flood-drill")["id"] = story_id

    return change


def unsigned(bundles, target):
    shutil.copytree(bundles["v1"], target)
    (target / (BUNDLE + ".sig")).unlink()
    return target


def flipped(bundles, target):
    shutil.copytree(bundles["v1"], target)
    data = bytearray((target / BUNDLE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (target / BUNDLE).write_bytes(bytes(data))
    return target


def wrong_key(bundles, target):
    shutil.copytree(bundles["v1"], target)
    sign(target / BUNDLE, bundles["stranger"])
    return target


def offline_copy_signature(bundles, target):
    """A's signature made for an offline copy (namespace harvest-archive) does not pass for a bundle."""
    shutil.copytree(bundles["v1"], target)
    Path(str(target / BUNDLE) + ".sig").unlink()
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(bundles["key"]), "-n", "harvest-archive", str(target / BUNDLE)],
        check=True,
        capture_output=True,
    )
    return target


def extra_entry(bundles, target):
    return rebuilt(bundles, target, lambda entries, manifest: entries.update({"stories/_federation/x/evil.md": b"x"}))


REFUSALS = [
    (unsigned, "the bundle is not signed"),
    (flipped, "signature: not signed by the key federation.yml gives for 'riverside', or the bundle was changed"),
    (wrong_key, "signature: not signed by the key federation.yml gives for 'riverside'"),
    (offline_copy_signature, "signature: not signed by the key federation.yml gives for 'riverside'"),
    (
        lambda b, t: rebuilt(b, t, escape_path("../../escape.md")),
        "unsafe or damaged bundle: 'stories/../../escape.md': unsafe entry",
    ),
    (
        lambda b, t: rebuilt(b, t, escape_path("_federation/other/x.md")),
        "path '_federation/other/x.md' is a name Harvest does not accept",
    ),
    (lambda b, t: rebuilt(b, t, escape_path(".hidden/x.md")), "path '.hidden/x.md' is a name Harvest does not accept"),
    (lambda b, t: rebuilt(b, t, escape_path("2026/flood.html")), "path '2026/flood.html' is not a .md file"),
    (lambda b, t: rebuilt(b, t, escape_id("../../../etc/passwd")), "story id '../../../etc/passwd' is not a plain id"),
    (lambda b, t: rebuilt(b, t, escape_id("x/y")), "story id 'x/y' is not a plain id"),
    (lambda b, t: rebuilt(b, t, escape_id("Flood Drill")), "story id 'Flood Drill' is not a plain id"),
    (extra_entry, "entries not listed in federation.json: stories/_federation/x/evil.md"),
]


@pytest.mark.parametrize(
    "make, message",
    REFUSALS,
    ids=[
        "unsigned",
        "flipped-byte",
        "wrong-key",
        "offline-copy-namespace",
        "path-dotdot",
        "path-underscore",
        "path-hidden",
        "path-not-md",
        "id-dotdot",
        "id-slash",
        "id-spaces",
        "unlisted-entry",
    ],
)
def test_pull_refuses(tmp_path, bundles, make, message):
    source = make(bundles, tmp_path / "source")
    b = follower(tmp_path, bundles, source)
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("riverside: REFUSED: ") and message in result.stdout, result.stdout
    assert not (b / "stories" / "_federation").exists()
    assert not list((b / "stories").rglob("escape.md")) and not list(tmp_path.rglob("passwd"))


def test_pull_refuses_a_replayed_older_bundle(tmp_path, bundles):
    source = tmp_path / "source"
    shutil.copytree(bundles["v2"], source)
    b = follower(tmp_path, bundles, source)
    assert "bundle 2 of 2026-06-02): 10 new" in harvest(b, "federation", "pull").stdout
    before = {p: p.read_bytes() for p in (b / "stories").rglob("*") if p.is_file()}
    shutil.rmtree(source)
    shutil.copytree(bundles["v1"], source)
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1
    assert (
        "riverside: REFUSED: bundle 1 of 2026-06-01 is older than bundle 2 of 2026-06-02, pulled before"
        in result.stdout
    ), result.stdout
    assert {p: p.read_bytes() for p in (b / "stories").rglob("*") if p.is_file()} == before


def test_pull_refuses_a_2gib_zip_bomb(tmp_path, bundles):
    """Signed by the peer's own key (a compromised peer): the zip is still read with verify's bounds."""
    target = tmp_path / "source"
    target.mkdir()
    with zipfile.ZipFile(bundles["v1"] / BUNDLE) as old, zipfile.ZipFile(target / BUNDLE, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        member = zipfile.ZipInfo("stories/zeros.jpg", (2026, 6, 1, 0, 0, 0))
        member.compress_type = zipfile.ZIP_DEFLATED
        chunk, left = bytes(1 << 20), 2 * 1024**3
        with new.open(member, "w", force_zip64=True) as stream:
            while left:
                stream.write(chunk)
                left -= len(chunk)
    assert (target / BUNDLE).stat().st_size < 20 * 1024**2
    sign(target / BUNDLE, bundles["key"])
    b = follower(tmp_path, bundles, target)
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "riverside: REFUSED: unsafe or damaged bundle:" in result.stdout and "zip bomb" in result.stdout, (
        result.stdout
    )
    assert not (b / "stories" / "_federation").exists()


# --- federation.yml, fail-closed ----------------------------------------------------------------

GOOD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAeVmE5w8mg3yvsCXOPi1WD0M/tU9If+q7wJ1Bea7vg1"


@pytest.mark.parametrize(
    "yaml_text, expected",
    [
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    source: {{folder: x}}\n    Show: true\n",
            "stories/federation.yml:6: peers.riverside.Show: unknown field",
        ),
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    key: {GOOD_KEY}\n    source: {{folder: x}}\n",
            "stories/federation.yml:5: peers.riverside.key: is given twice (lines 4 and 5)",
        ),
        (
            "peers:\n  riverside:\n    name: R\n    key: ssh-ed25519 notbase64\n    source: {folder: x}\n",
            "stories/federation.yml:4: peers.riverside.key: missing, or not an OpenSSH public key",
        ),
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    source: {{folder: x, git: file:///y}}\n",
            "stories/federation.yml:5: peers.riverside.source: needs exactly one of folder, git or url",
        ),
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    source: {{git: 'ext::sh -c touch% /tmp/pwned'}}\n",
            "stories/federation.yml:5: peers.riverside.source.git: 'ext::sh -c touch% /tmp/pwned' is not a git remote",
        ),
        (
            f"peers:\n  River--Side:\n    name: R\n    key: {GOOD_KEY}\n    source: {{folder: x}}\n",
            "stories/federation.yml:2: peers.River--Side: 'River--Side' is not a usable peer name",
        ),
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    source: {{folder: x}}\n    readings: 'no'\n",
            "stories/federation.yml:6: peers.riverside.readings: should be true or false",
        ),
        (
            f"peers:\n  riverside:\n    name: R\n    key: {GOOD_KEY}\n    source: {{folder: x}}\n    show: 'yes'\n",
            "stories/federation.yml:6: peers.riverside.show: should be true or false",
        ),
        ("peer:\n  riverside:\n    name: R\n", "stories/federation.yml:1: peer: unknown field"),
    ],
)
def test_federation_file_is_validated_fail_closed(tmp_path, yaml_text, expected):
    b = make_archive(tmp_path / "b", "Harbour Tenants", stories=True)
    (b / "stories" / "federation.yml").write_text(yaml_text)
    for command in (["federation", "pull"], ["check"], ["build"]):
        result = harvest(b, *command, ok=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr, (command, result.stderr)
        assert expected in result.stdout + result.stderr, (command, result.stdout + result.stderr)
    assert not (b / "site").exists()


def _png(path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), "red").save(path)


BROKEN = [
    (
        lambda t: re.sub(r'event: "?crisis-sim"?', "event: flood-party", t),
        ":5: event: unknown event kind 'flood-party' (in riverside's story) (warning)",
    ),
    # An image path out of the peer's folder would publish one of ours (a withheld story's photo).
    (
        lambda t: t.replace("About thirty people", "![](../../../2026/our-private.png) About thirty people"),
        ":17: images: '../../../2026/our-private.png' is outside the peer's folder (in riverside's story) (warning)",
    ),
    (
        lambda t: re.sub(r'(lang: "?en"?\n)', r"\1images: [../../../2026/our-private.png]\n", t),
        ":11: images: '../../../2026/our-private.png' is outside the peer's folder (in riverside's story) (warning)",
    ),
    (
        lambda t: re.sub(r'("?peer"?: )"?riverside"?', r'\1"orchard"', t),
        ":12: federation: no provenance (origin archive, id, digest) (in riverside's story) (warning)",
    ),
]


@pytest.mark.parametrize(
    "breakage, warning", BROKEN, ids=["unknown-event", "inline-image-out", "image-field-out", "wrong-provenance"]
)
def test_a_broken_peer_story_is_left_out_with_a_warning(tmp_path, bundles, breakage, warning):
    b = follower(tmp_path, bundles, bundles["v1"])
    shutil.copy(copy_project(tmp_path / "sample") / "stories" / "lessons.yml", b / "stories" / "lessons.yml")
    _png(b / "stories" / "2026" / "our-private.png")
    harvest(b, "federation", "pull")
    broken = story(b, "_federation/riverside/2026/flood-drill.md")
    text = broken.read_text()
    assert breakage(text) != text
    broken.write_text(breakage(text))
    checked = harvest(b, "check")
    assert "stories/_federation/riverside/2026/flood-drill.md" + warning in checked.stdout, checked.stdout
    assert "it is left out of our site until they fix it" in checked.stdout
    harvest(b, "build")
    assert not (b / "site/_federation/riverside/2026/flood-drill").exists()
    assert not list((b / "site").rglob("our-private.png"))
    assert (b / "site/_federation/riverside/2026/street-festival-childcare/index.html").is_file()


def test_our_own_story_cannot_claim_a_peers_provenance(tmp_path):
    b = make_archive(tmp_path / "b", "Harbour Tenants")
    (b / "stories/2026/forged.md").write_text(
        "---\ntitle: T\ndate: 2026-01-01\nevent: action\nplace: P\ncontributors: []\nlessons: [joy]\n"
        "summary: S\nfederation: {peer: riverside, id: x, digest: y}\n---\n\nText.\n"
    )
    refused = harvest(b, "check", ok=False)
    assert "stories/2026/forged.md:9: federation: unknown field" in refused.stdout, refused.stdout


@pytest.mark.parametrize("state", ["{not json", "[1, 2]"])
def test_pull_refuses_to_forget_what_it_pulled(tmp_path, bundles, state):
    """An unreadable record of the last pull is not "never pulled": that would let a replay in."""
    b = follower(tmp_path, bundles, bundles["v1"])
    harvest(b, "federation", "pull")
    (b / "stories/_federation/riverside/_pulled.json").write_text(state)
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "riverside: REFUSED: _pulled.json in stories/_federation/riverside/ is " in result.stdout, result.stdout
