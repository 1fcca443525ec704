"""Issue 13, classes 9, 10 and the zip part of 7: nothing about a hidden story shapes a public output;
`harvest verify` says whether a copy is authenticated, and refuses hostile zips with bounded memory."""

from __future__ import annotations

import filecmp
import hashlib
import resource
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from digest_helpers import set_site_url

TODAY = "2026-12-31"
EPOCH = "1798675200"  # 2027-01-01
ENV = {"HARVEST_TODAY": TODAY, "SOURCE_DATE_EPOCH": EPOCH}
VISIBLE_ID = "2026-03-flood-drill"

# --- 9. side channels: a public build is the same with and without hidden stories -------------

# name -> (file under stories/, extra front matter, date). Each hidden story has its own lesson,
# place, contributor and event kind (all config, present in BOTH builds), a date in a month and year
# no visible story uses, and is a translation of a visible story.
HIDDEN = {
    "members": ("2019/members-only.md", "visibility: members\n", "2019-04-10"),
    "private": ("2018/private.md", "visibility: private\n", "2018-09-03"),
    "embargoed": ("2017/embargoed.md", "embargo_until: 2030-01-01\n", "2017-02-05"),
    "inbox": ("_inbox/proposed.md", "", "2016-06-06"),
    # same month, lessons, place and people as visible stories: counts must not move
    "busy-month": ("2026/members-busy.md", "visibility: members\n", "2026-03-20"),
}


def hidden_story(name: str, date: str, extra: str, shared: bool) -> str:
    lesson, place, person, event = (
        ("safety", "Saltwick Yards", "priya", "crisis-sim")
        if shared
        else (f"{name}-lesson", f"{name.title()} Hideout", f"{name}-person", f"{name}-event")
    )
    return (
        f"---\nid: hidden-{name}\ntitle: Hidden {name} story\ndate: {date}\nevent: {event}\n"
        f"place: {place}\ncontributors: [{person}]\nlessons: [{lesson}]\n"
        f"summary: Secret {name} summary zebrafinch{name.replace('-', '')}.\nlang: es\n"
        f"translation_of: {VISIBLE_ID}\n{extra}---\n\n"
        f"Quokkaword{name.replace('-', '')} happened at the hideout.\n\n"
        "## What surprised us?\n\nXylophonist neighbours.\n\n"
        "## What resource was missing?\n\nA secret generator.\n"
    )


HIDDEN_SESSIONS = {
    "members": "visibility: members\n",
    "embargoed": "embargo_until: 2030-01-01\n",
}


def configure(project: Path, names: list[str], drop_sample_session: bool = False) -> None:
    """Config both builds share: site_url, emails, and every hidden story's lesson, person and event kind."""
    set_site_url(project)
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    kinds = "".join(f"        {n}-event: {n.title()} event\n" for n in names)
    text = text.replace("        training: Training\n", "        training: Training\n" + kinds, 1)
    text = text.replace("      # emails: true", "      emails: true", 1)
    config.write_text(text, "utf-8")
    with open(project / "stories" / "lessons.yml", "a", encoding="utf-8") as lessons:
        for n in names:
            lessons.write(
                f"{n}-lesson:\n  title: {n.title()} lesson title\n  description: Only the {n} story uses it.\n"
            )
    with open(project / "stories" / "contributors.yml", "a", encoding="utf-8") as people:
        for n in names:
            people.write(f"{n}-person:\n  name: {n.title()} Realname\n  credit: named\n")
    if drop_sample_session:
        (project / "stories" / "_readings" / "2026-12-assembly.yml").unlink()


def add_hidden(project: Path, names: list[str], sessions: list[str]) -> None:
    for n in names:
        rel, extra, date = HIDDEN[n]
        path = project / "stories" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(hidden_story(n, date, extra, shared=(n == "busy-month")), "utf-8")
    for n in sessions:
        hidden_ids = [f"hidden-{h}" for h in names if h != "inbox"]
        ids = [*hidden_ids[:1], VISIBLE_ID]
        (project / "stories" / "_readings" / f"hidden-{n}.yml").write_text(
            f"title: Hidden {n} session\ndate: 2015-01-01\nstories: [{', '.join(ids)}]\n"
            f"readers: [priya]\n{HIDDEN_SESSIONS[n]}",
            "utf-8",
        )


def differences(left: Path, right: Path) -> list[str]:
    """Every file that is missing on one side or differs in bytes."""
    out = []
    compared = filecmp.dircmp(left, right)

    def walk(cmp, prefix=""):
        out.extend(f"only in the build without hidden stories: {prefix}{n}" for n in cmp.left_only)
        out.extend(f"only in the build with hidden stories: {prefix}{n}" for n in cmp.right_only)
        for name in cmp.common_files:
            if (Path(cmp.left) / name).read_bytes() != (Path(cmp.right) / name).read_bytes():
                out.append(f"differs: {prefix}{name}")
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(compared)
    return sorted(out)


def two_projects(tmp_path: Path, names: list[str], sessions: list[str], drop_sample_session=False):
    plain = copy_project(tmp_path / "plain")
    hidden = copy_project(tmp_path / "hidden")
    for project in (plain, hidden):
        configure(project, names, drop_sample_session)
    add_hidden(hidden, names, sessions)
    return plain, hidden


def built(project: Path, profile: str = "public") -> Path:
    result = run_harvest("build", cwd=project, env={**ENV, "HARVEST_PROFILE": profile})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return project / "site"


@pytest.mark.parametrize(
    "names, sessions, drop_sample_session, profile",
    [
        (["members"], [], False, "public"),
        (["private"], [], False, "public"),
        (["embargoed"], [], False, "public"),
        (["inbox"], [], False, "public"),
        (["busy-month"], [], False, "public"),
        (["members"], ["members", "embargoed"], False, "public"),
        (["members"], ["members"], True, "public"),  # the only reading sessions are hidden ones
        (list(HIDDEN), ["members", "embargoed"], False, "public"),
        (["private", "embargoed", "inbox"], ["embargoed"], False, "members"),
    ],
    ids=[
        "members",
        "private",
        "embargoed",
        "inbox",
        "busy-month",
        "sessions",
        "only-hidden-sessions",
        "all",
        "members-profile",
    ],
)
def test_a_public_build_is_byte_identical_with_and_without_hidden_stories(
    tmp_path, names, sessions, drop_sample_session, profile
):
    plain, hidden = two_projects(tmp_path, names, sessions, drop_sample_session)
    left, right = built(plain, profile), built(hidden, profile)
    assert differences(left, right) == []
    everything = b"".join(p.read_bytes() for p in right.rglob("*") if p.is_file())
    for n in names:
        if n != "busy-month":
            for secret in (f"{n}-lesson", f"{n.title()} lesson title", f"{n.title()} Hideout", f"{n.title()} Realname"):
                assert secret.encode() not in everything, secret


def test_the_contribute_page_lists_only_lessons_published_stories_use(tmp_path):
    """A lesson no published story uses is left out whether or not a hidden story uses it."""
    plain, hidden = two_projects(tmp_path, ["members"], [])
    for project in (plain, hidden):
        page = (built(project) / "contribute" / "index.html").read_text("utf-8")
        assert 'value="members-lesson"' not in page and "Members lesson title" not in page
        assert 'value="safety"' in page and 'value="mutual-care"' in page


def zip_members(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize("env", [ENV, {"HARVEST_TODAY": TODAY}], ids=["epoch-pinned", "epoch-from-stories"])
def test_pack_is_the_same_with_and_without_hidden_stories(tmp_path, env):
    # the hidden stories are the newest: the copy's date must still come from published ones
    names = ["members", "private", "embargoed", "inbox"]
    plain, hidden = two_projects(tmp_path, names, ["members"])
    for n in ("members", "private"):
        story = hidden / "stories" / HIDDEN[n][0]
        story.write_text(story.read_text("utf-8").replace(HIDDEN[n][2], "2026-12-30"), "utf-8")
    zips = []
    for project in (plain, hidden):
        result = run_harvest("pack", cwd=project, env=env)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
        zips.append(sorted((project / "dist").glob("*.zip")))
    assert [z.name for z in zips[0]] == [z.name for z in zips[1]]
    left, right = zip_members(zips[0][0]), zip_members(zips[1][0])
    assert sorted(left) == sorted(right)
    assert [name for name in left if left[name] != right[name]] == []
    everything = b"".join(right.values())
    for n in names:
        for secret in (f"{n}-lesson", f"{n.title()} lesson title", f"{n.title()} Hideout", f"{n.title()} Realname"):
            assert secret.encode() not in everything, secret


# --- 10. verify says whether a trusted key signed the copy ------------------------------------

SIGNER = "harvest-stories-from-our-movements"


def new_key(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path


def fingerprint(public: Path) -> str:
    return subprocess.run(
        ["ssh-keygen", "-l", "-f", str(public)], capture_output=True, text=True, check=True
    ).stdout.split()[1]


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """One signed and one unsigned copy of the sample archive, each in its own dist/ folder."""
    root = tmp_path_factory.mktemp("verify")
    keys = root / "keys"
    ours, theirs = new_key(keys, "ours"), new_key(keys, "theirs")
    signed, unsigned = copy_project(root / "signed"), copy_project(root / "unsigned")
    for project, args in ((signed, ["--sign-key", str(ours)]), (unsigned, [])):
        result = run_harvest("pack", *args, cwd=project, env={"SOURCE_DATE_EPOCH": EPOCH})
        assert result.returncode == 0, result.stdout + result.stderr
    (keys / "allowed_signers").write_text(
        f'{SIGNER} namespaces="harvest-archive" ' + " ".join(Path(f"{ours}.pub").read_text().split()[:2]) + "\n"
    )
    (keys / "stranger_signers").write_text(
        f'{SIGNER} namespaces="harvest-archive" ' + " ".join(Path(f"{theirs}.pub").read_text().split()[:2]) + "\n"
    )
    return {
        "signed": next((signed / "dist").glob("*.zip")),
        "unsigned": next((unsigned / "dist").glob("*.zip")),
        "keys": keys,
        "ours": ours,
        "theirs": theirs,
    }


def key_arg(copies, spec: str) -> list[str]:
    keys = copies["keys"]
    return {
        "none": [],
        "allowed": ["--allowed-signers", str(keys / "allowed_signers")],
        "stranger-allowed": ["--allowed-signers", str(keys / "stranger_signers")],
        "pub-file": ["--key", f"{copies['ours']}.pub"],
        "pub-string": ["--key", Path(f"{copies['ours']}.pub").read_text().strip()],
        "other-pub": ["--key", f"{copies['theirs']}.pub"],
        "private-key": ["--key", str(copies["ours"])],
        "garbage": ["--key", "not a key at all"],
        "allow-unsigned": ["--allow-unsigned"],
        "pub-and-allow-unsigned": ["--key", f"{copies['ours']}.pub", "--allow-unsigned"],
    }[spec]


@pytest.mark.parametrize(
    "copy, trust, status, last, detail",
    [
        ("unsigned", "none", 1, "NOT AUTHENTICATED: ", "add --allow-unsigned"),
        ("unsigned", "allow-unsigned", 0, "NOT AUTHENTICATED: ", "anyone who could swap the zip could swap SHA256SUMS"),
        ("signed", "none", 1, "NOT AUTHENTICATED: ", "no trusted key was given"),
        ("signed", "allow-unsigned", 0, "NOT AUTHENTICATED: ", "no trusted key was given"),
        ("signed", "allowed", 0, "VERIFIED: ", f"signed by {SIGNER} (key {{fp}}) from "),
        ("signed", "pub-file", 0, "VERIFIED: ", "signed by the key given with --key"),
        ("signed", "pub-string", 0, "VERIFIED: ", "signed by the key given with --key ({fp})"),
        ("signed", "pub-and-allow-unsigned", 0, "VERIFIED: ", "({fp})"),
        ("signed", "other-pub", 1, "", "FAILED  signature: the signature does not match this zip, or was not made by"),
        ("signed", "stranger-allowed", 1, "", "FAILED  signature: no key in"),
        ("signed", "private-key", 1, "", "this is a private key; give the public one"),
        ("signed", "garbage", 1, "", "not an OpenSSH public key"),
        ("unsigned", "pub-file", 1, "", ".sig not found next to the zip"),
        ("unsigned", "pub-and-allow-unsigned", 1, "", ".sig not found next to the zip"),
    ],
)
def test_verify_says_whether_a_trusted_key_signed_the_copy(copies, copy, trust, status, last, detail):
    zip_path = copies[copy]
    result = run_harvest("verify", str(zip_path), *key_arg(copies, trust), cwd=zip_path.parent)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == status, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith(last or f"{zip_path.name}: NOT verified"), lines[-1]
    assert detail.format(fp=fingerprint(Path(f"{copies['ours']}.pub"))) in result.stdout
    if status == 0 and last == "VERIFIED: ":
        assert "NOT AUTHENTICATED" not in result.stdout


def test_a_swapped_zip_with_swapped_sums_and_signature_is_caught_only_by_a_trusted_key(copies, tmp_path):
    """The attacker re-packs, rewrites SHA256SUMS and signs with their own key: internally consistent."""
    evil = tmp_path / copies["signed"].name
    shutil.copy(copies["unsigned"], evil)
    (tmp_path / "SHA256SUMS").write_text(f"{hashlib.sha256(evil.read_bytes()).hexdigest()}  {evil.name}\n")
    with open(evil, "rb") as data, open(f"{evil}.sig", "wb") as sig:
        subprocess.run(
            ["ssh-keygen", "-Y", "sign", "-f", str(copies["theirs"]), "-n", "harvest-archive"],
            stdin=data,
            stdout=sig,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    naive = run_harvest("verify", str(evil), cwd=tmp_path)
    assert naive.returncode == 1 and naive.stdout.strip().splitlines()[-1].startswith("NOT AUTHENTICATED")
    for trust in ("pub-file", "allowed"):
        result = run_harvest("verify", str(evil), *key_arg(copies, trust), cwd=tmp_path)
        assert result.returncode == 1 and "FAILED  signature" in result.stdout, result.stdout
        assert "OK      digest" in result.stdout and "Traceback" not in result.stderr


# --- 7. hostile zips: unsafe entries, bombs -----------------------------------------------------


def with_entries(source: Path, target: Path, extra: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    """The packed copy plus `extra` entries, each listed in MANIFEST.sha256 with its true sha256 and
    SHA256SUMS rewritten: consistent in every way the old check looked at."""
    with zipfile.ZipFile(source) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    manifest = next(data for info, data in entries if info.filename == "MANIFEST.sha256")
    manifest += "".join(f"{hashlib.sha256(data).hexdigest()}  {info.filename}\n" for info, data in extra).encode()
    with zipfile.ZipFile(target, "w") as new:
        for info, data in entries + extra:
            new.writestr(info, manifest if info.filename == "MANIFEST.sha256" else data)
    (target.parent / "SHA256SUMS").write_text(f"{hashlib.sha256(target.read_bytes()).hexdigest()}  {target.name}\n")
    return target


def entry(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


@pytest.mark.parametrize(
    "info, data, message",
    [
        (entry("site/link.html", stat.S_IFLNK | 0o777), b"/etc/passwd", "a symbolic link"),
        (entry("site/up", stat.S_IFLNK | 0o777), b"../../..", "a symbolic link"),
        (entry("site/tty", stat.S_IFCHR | 0o666), b"", "a device"),
        (entry("site/disk", stat.S_IFBLK | 0o666), b"", "a device"),
        (entry("site/pipe", stat.S_IFIFO | 0o644), b"", "a fifo"),
        (entry("/etc/cron.d/harvest"), b"* * * * * root sh\n", "an absolute path"),
        (entry("C:/Users/evil.bat"), b"echo\n", "an absolute path"),
        (entry("site/../../evil.sh"), b"#!/bin/sh\n", "a '..' path"),
        (entry("../evil.sh"), b"#!/bin/sh\n", "a '..' path"),
        (entry("site\\..\\evil.bat"), b"echo\n", "a backslash or control character"),
        (entry("site/a\x1b[2Jb.html"), b"<p>x</p>", "a backslash or control character"),
        (entry("site/new\nline.html"), b"<p>x</p>", "a backslash or control character"),
        (entry("site/index.html"), b"<p>second copy</p>", "appears twice in the zip"),
    ],
    ids=[
        "symlink",
        "symlink-up",
        "chardev",
        "blockdev",
        "fifo",
        "absolute",
        "drive",
        "dotdot",
        "dotdot-top",
        "backslash",
        "escape",
        "newline",
        "duplicate",
    ],
)
def test_verify_refuses_unsafe_entries(copies, tmp_path, info, data, message):
    copy = with_entries(copies["unsigned"], tmp_path / copies["unsigned"].name, [(info, data)])
    result = run_harvest("verify", str(copy), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout
    assert "FAILED  manifest: " in result.stdout and message in result.stdout, result.stdout
    assert "unsafe entry" in result.stdout or message == "appears twice in the zip"
    assert result.stdout.strip().splitlines()[-1] == f"{copy.name}: NOT verified (manifest failed)"


def zeros_member(archive: zipfile.ZipFile, name: str, size: int, digests: dict) -> None:
    """A member of `size` zero bytes, written and hashed in chunks (never held whole)."""
    chunk, digest, left = bytes(1 << 20), hashlib.sha256(), size
    info = entry(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=size >= 1 << 31) as member:
        while left:
            piece = chunk[: min(left, len(chunk))]
            member.write(piece)
            digest.update(piece)
            left -= len(piece)
    digests[name] = digest.hexdigest()


def bomb(copies, target: Path, members: list[tuple[str, int]]) -> Path:
    digests: dict[str, str] = {}
    with zipfile.ZipFile(copies["unsigned"]) as old, zipfile.ZipFile(target, "w") as new:
        manifest = old.read("MANIFEST.sha256")
        for name, size in members:
            zeros_member(new, name, size, digests)
        manifest += "".join(f"{h}  {n}\n" for n, h in digests.items()).encode()
        for info in old.infolist():
            new.writestr(info, manifest if info.filename == "MANIFEST.sha256" else old.read(info))
    (target.parent / "SHA256SUMS").write_text(f"{hashlib.sha256(target.read_bytes()).hexdigest()}  {target.name}\n")
    return target


def limited_memory():
    limit = 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize(
    "members, message",
    [
        ([("site/zeros.bin", 2 * 1024**3)], "refused as a zip bomb"),  # 2 GiB in one member
        ([("site/zeros.bin", 100 * 1024**2)], "compressed more than 200:1"),  # ratio, small total
        (
            [(f"site/z{n}.bin", 3 * 1024**2) for n in range(700)],
            "more than 2147483648",
        ),  # total, no member above the ratio floor
    ],
    ids=["2GiB-member", "ratio", "total"],
)
def test_verify_refuses_zip_bombs_in_bounded_memory(copies, tmp_path, members, message):
    copy = bomb(copies, tmp_path / copies["unsigned"].name, members)
    assert copy.stat().st_size < 20 * 1024**2
    result = subprocess.run(
        [sys.executable, "-m", "harvest.cli", "verify", str(copy)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=limited_memory,
    )
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 1, result.stdout
    assert "FAILED  manifest: " in result.stdout and message in result.stdout, result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"{copy.name}: NOT verified (manifest failed)"


def test_verify_refuses_a_zip_with_too_many_entries(copies, tmp_path):
    copy = tmp_path / copies["unsigned"].name
    with zipfile.ZipFile(copy, "w") as archive:
        for n in range(200_001):
            archive.writestr(entry(f"site/{n}"), b"")
    (tmp_path / "SHA256SUMS").write_text(f"{hashlib.sha256(copy.read_bytes()).hexdigest()}  {copy.name}\n")
    result = run_harvest("verify", str(copy), cwd=tmp_path)
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert "FAILED  manifest: the zip holds 200001 entries, more than 200000: refused" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["2026-03"], ["--until", "2026-12-31"], ["2019-04"], ["2026-Q1"]],
    ids=["busy-month", "since-oldest", "hidden-only-month", "quarter"],
)
def test_digest_command_is_the_same_with_and_without_hidden_stories(tmp_path, args):
    names = ["members", "private", "embargoed", "inbox", "busy-month"]
    plain, hidden = two_projects(tmp_path, names, [])
    outputs = []
    for project in (plain, hidden):
        result = run_harvest("digest", *args, "--out", "mail", cwd=project, env=ENV)
        assert "Traceback" not in result.stderr
        outputs.append((result.returncode, result.stdout, result.stderr.replace(str(project), "PROJECT")))
    assert outputs[0] == outputs[1]
    if (plain / "mail").exists() or (hidden / "mail").exists():
        assert differences(plain / "mail", hidden / "mail") == []
