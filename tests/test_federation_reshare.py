"""Re-sharing (issue 18): `reshare: true` puts a peer's public stories in our own signed bundle,
with their provenance; never anything above public; a withdrawal travels on; our own stories
re-shared back to us are left out.

Riverside Commune (A) exports; Harbour Tenants (B) follows A with `reshare: true` and exports;
Orchard Union (C) follows B. Expected values by hand from the sample archive (10 public stories).
"""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from test_federation import (
    BUNDLE,
    CANARY_MEMBERS,
    DAY1,
    DAY2,
    PUBLIC_IDS,
    every_text,
    harvest,
    keygen,
    make_archive,
    public_key,
    story,
    write_peers,
)


def manifest_of(folder) -> dict:
    with zipfile.ZipFile(folder / BUNDLE) as bundle:
        return json.loads(bundle.read("federation.json"))


def read(folder, name: str) -> str:
    with zipfile.ZipFile(folder / BUNDLE) as bundle:
        return bundle.read(name).decode()


def follow(project, name, title, key, source, **extra) -> None:
    write_peers(project, {name: {"name": title, "key": public_key(key), "source": f"{{folder: {source}}}", **extra}})


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("reshare")
    keys = {n: keygen(root / f"key_{n}") for n in "abc"}
    a = make_archive(root / "a", "Riverside Commune")
    b = make_archive(root / "b", "Harbour Tenants")
    harvest(a, "export", "--sign-key", str(keys["a"]), "--out", str(root / "a-out"), env=DAY1)
    follow(b, "riverside", "Riverside Commune", keys["a"], root / "a-out", reshare="true")
    harvest(b, "federation", "pull")
    exported = harvest(b, "export", "--sign-key", str(keys["b"]), "--out", str(root / "b-out"), env=DAY1)
    return {"root": root, "keys": keys, "a": a, "b": b, "exported": exported.stdout}


def test_reshared_stories_travel_with_their_provenance(chain):
    root = chain["root"]
    assert "20 stories (10 re-shared from peers)" in chain["exported"], chain["exported"]
    ours, theirs = manifest_of(root / "b-out"), manifest_of(root / "a-out")
    digests = {s["id"]: s["sha256"] for s in theirs["stories"]}
    reshared = [s for s in ours["stories"] if "origin" in s]
    assert sorted(s["id"] for s in reshared) == sorted(f"riverside--{i}" for i in PUBLIC_IDS)
    flood = next(s for s in reshared if s["id"] == "riverside--2026-03-flood-drill")
    assert flood["path"] == "from-riverside/2026/flood-drill.md"
    assert flood["origin"] == {
        "archive_id": theirs["archive"]["id"],
        "archive": "Riverside Commune",
        "id": "2026-03-flood-drill",
        "digest": digests["2026-03-flood-drill"],
    }
    text = read(root / "b-out", "stories/from-riverside/2026/flood-drill.md")
    assert '"credits": ["Priya Dandekar", "Spoke Collective"]' in text and '"origin": {' in text
    assert ours["archive"]["name"] == "Harbour Tenants"


def test_a_follower_of_the_resharer_sees_where_it_first_came_from(chain, tmp_path):
    root = chain["root"]
    c = make_archive(tmp_path / "c", "Orchard Union")
    follow(c, "harbour", "Harbour Tenants", chain["keys"]["b"], root / "b-out")
    pulled = harvest(c, "federation", "pull").stdout
    assert "harbour (Harbour Tenants, bundle 1 of 2026-06-01): 20 new" in pulled, pulled
    kept = story(c, "_federation/harbour/from-riverside/2026/flood-drill.md").read_text()
    assert '"archive": "Riverside Commune"' in kept and '"id": "2026-03-flood-drill"' in kept
    harvest(c, "build")
    page = (c / "site/_federation/harbour/from-riverside/2026/flood-drill/index.html").read_text()
    assert "Harbour Tenants</a>, first shared by Riverside Commune</p>" in page
    assert "Shared by Priya Dandekar, Spoke Collective" in page


def test_our_own_stories_reshared_back_are_left_out(chain, tmp_path):
    root = chain["root"]
    a = tmp_path / "a"
    shutil.copytree(chain["a"], a)  # (its ledger holds its archive id)
    follow(a, "harbour", "Harbour Tenants", chain["keys"]["b"], root / "b-out")
    pulled = harvest(a, "federation", "pull").stdout
    assert "harbour (Harbour Tenants, bundle 1 of 2026-06-01): 10 new" in pulled and "10 left out" in pulled, pulled
    assert "left out: riverside--2026-03-flood-drill: one of our own stories, re-shared back to us" in pulled
    assert not (a / "stories/_federation/harbour/from-riverside").exists()


def test_a_withdrawal_travels_on(chain, tmp_path):
    root = chain["root"]
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(chain["a"], a)
    shutil.copytree(chain["b"], b)
    shutil.copytree(root / "a-out", tmp_path / "a-out")
    follow(b, "riverside", "Riverside Commune", chain["keys"]["a"], tmp_path / "a-out", reshare="true")
    story(a, "2025/winter-soup-line.md").unlink()
    harvest(a, "export", "--sign-key", str(chain["keys"]["a"]), "--out", str(tmp_path / "a-out"), env=DAY2)
    harvest(b, "federation", "pull")
    harvest(b, "export", "--sign-key", str(chain["keys"]["b"]), "--out", str(tmp_path / "b-out"), env=DAY2)
    manifest = manifest_of(tmp_path / "b-out")
    assert manifest["withdrawn"] == ["riverside--2025-02-winter-soup-line"]
    assert "riverside--2025-02-winter-soup-line" not in {s["id"] for s in manifest["stories"]}


@pytest.mark.parametrize(
    "a_profile, b_profile",
    [("members", "public"), ("members", "members"), ("public", "members")],
)
def test_nothing_above_public_is_reshared(tmp_path, a_profile, b_profile):
    keys = {n: keygen(tmp_path / f"key_{n}") for n in "ab"}
    a = make_archive(tmp_path / "a", "Riverside Commune")
    rent = story(a, "2025/rent-strike-phone-tree.md")
    rent.write_text(rent.read_text().replace("\n---\n", f"\nvisibility: members\n---\n\n{CANARY_MEMBERS}\n", 1))
    harvest(a, "export", "--profile", a_profile, "--sign-key", str(keys["a"]), "--out", str(tmp_path / "a-out"))
    b = make_archive(tmp_path / "b", "Harbour Tenants")
    follow(b, "riverside", "Riverside Commune", keys["a"], tmp_path / "a-out", reshare="true")
    harvest(b, "federation", "pull")
    harvest(b, "export", "--profile", b_profile, "--sign-key", str(keys["b"]), "--out", str(tmp_path / "b-out"))
    ids = {s["id"] for s in manifest_of(tmp_path / "b-out")["stories"]}
    # A members bundle was shared in trust: none of it travels on, not even its public stories.
    expected = (
        set()
        if a_profile == "members"
        else {f"riverside--{i}" for i in PUBLIC_IDS} - {"riverside--2025-08-rent-strike-phone-tree"}
    )
    assert {i for i in ids if i.startswith("riverside--")} == expected
    assert CANARY_MEMBERS.lower() not in every_text(tmp_path / "b-out").lower()


def test_reshare_is_off_by_default(tmp_path):
    keys = {n: keygen(tmp_path / f"key_{n}") for n in "ab"}
    a = make_archive(tmp_path / "a", "Riverside Commune")
    harvest(a, "export", "--sign-key", str(keys["a"]), "--out", str(tmp_path / "a-out"))
    b = make_archive(tmp_path / "b", "Harbour Tenants")
    follow(b, "riverside", "Riverside Commune", keys["a"], tmp_path / "a-out")
    harvest(b, "federation", "pull")
    harvest(b, "export", "--sign-key", str(keys["b"]), "--out", str(tmp_path / "b-out"))
    assert sorted(s["id"] for s in manifest_of(tmp_path / "b-out")["stories"]) == PUBLIC_IDS


def test_a_path_taken_by_our_own_story_is_refused(chain, tmp_path):
    b = tmp_path / "b"
    shutil.copytree(chain["b"], b)
    ours = story(b, "From-Riverside/2026/flood-drill.md")  # the same file on a case-blind disk
    ours.parent.mkdir(parents=True)
    shutil.copy(story(b, "2026/flood-drill.md"), ours)
    ours.write_text(ours.read_text().replace("id: 2026-03-flood-drill", "id: 2026-03-flood-drill-copy"))
    result = harvest(b, "export", "--out", str(tmp_path / "out"), ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "would be 'from-riverside/2026/flood-drill.md' in the bundle, where one of our own stories already is" in (
        result.stdout + result.stderr
    ), result.stdout + result.stderr
    assert not (tmp_path / "out").exists()
