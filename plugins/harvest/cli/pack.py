"""`harvest pack` (an offline copy for USB sticks) and `harvest verify` (check one)."""

from __future__ import annotations

import os
from pathlib import Path

from harvest.cli.main import add_common, load_settings

SIGN_KEY_ENV = "HARVEST_SIGN_KEY"


def register(sub) -> None:
    pack = sub.add_parser("pack", help="write an offline copy of the archive (zip) for USB sticks")
    add_common(pack)
    pack.add_argument(
        "--out", default=None, metavar="DIR", help="where to write the zip (default: dist/ next to mkdocs.yml)"
    )
    pack.add_argument(
        "--sign-key",
        default=os.environ.get(SIGN_KEY_ENV) or None,
        metavar="PATH",
        help=f"OpenSSH private key to sign the zip with (or ${SIGN_KEY_ENV}); never copied anywhere",
    )
    pack.add_argument(
        "--signer",
        default=None,
        metavar="NAME",
        help="the name recipients put in allowed_signers (default: the site name as a slug)",
    )
    pack.add_argument(
        "--federation",
        action="store_true",
        help="also carry the stories we show from the archives we follow (stories/_federation/)",
    )
    pack.set_defaults(run=run_pack)

    verify = sub.add_parser(
        "verify",
        help="check an offline copy: who signed it, its digest and every file inside",
        description="Exit status 0 only for a copy signed by a key you trust (--key or "
        "--allowed-signers) whose every file is intact; with --allow-unsigned, "
        "also for an unsigned copy that is merely consistent. 1 otherwise.",
    )
    verify.add_argument("zip", metavar="ZIP")
    trust = verify.add_mutually_exclusive_group()
    trust.add_argument(
        "--allowed-signers",
        default=None,
        metavar="FILE",
        help="OpenSSH allowed_signers file with the collective's public key",
    )
    trust.add_argument(
        "--key",
        default=None,
        metavar="KEY",
        help="the collective's public key: a .pub file, or its one line (ssh-ed25519 AAAA…)",
    )
    verify.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="accept a copy no trusted key signed, if it is consistent (exit 0, still reported as NOT AUTHENTICATED)",
    )
    verify.add_argument("--sums", default=None, metavar="FILE", help="SHA256SUMS file (default: beside the zip)")
    verify.set_defaults(run=run_verify)


def run_pack(args) -> int:
    from harvest.core.memory import no_full_collections
    from harvest.offline.pack import pack
    from harvest.site.project import log_to_console

    load_settings(args)  # a bad config or profile fails before anything is built
    log_to_console()
    out = Path(args.out) if args.out else Path(args.config_file).resolve().parent / "dist"
    with no_full_collections():  # (a whole build: core/memory.py)
        packed = pack(
            Path(args.config_file),
            out,
            args.profile,
            Path(args.sign_key) if args.sign_key else None,
            args.signer,
            args.federation,
        )
    hosts = sorted({link.url.split("/")[2] for link in packed.report.links if "//" in link.url})
    print(
        f"checked {packed.report.files_scanned} HTML/CSS/JS files: nothing loads from another host; "
        f"{len(packed.report.link_urls())} link(s) out to {len(hosts)} site(s), followed only if a reader clicks"
    )
    print(
        f"wrote {packed.zip_path} ({packed.size / 1_000_000:.1f} MB, {packed.entries} files, "
        f"dated {packed.date.isoformat()})"
    )
    print(f"sha256 {packed.sha256} (in {packed.zip_path.parent / 'SHA256SUMS'})")
    if packed.signature:
        print(f"signed: {packed.signature}")
        if packed.allowed_signers_line:
            print("publish this allowed_signers line where recipients can trust it (not only on the stick):")
            print(f"  {packed.allowed_signers_line}")
            print(f"  key fingerprint: {packed.fingerprint}")
    return 0


def run_verify(args) -> int:
    """Exit 0 only when a trusted key signed the copy (or, with --allow-unsigned, when it is at least
    consistent): SHA256SUMS travels with the zip, so on its own it proves nothing about who made it,
    and a script that only checks the exit status must not take "consistent" for "authentic"."""
    import tempfile

    from harvest.cli.main import UsageError
    from harvest.offline.verify import TrustedKey, trusted_key, verdict, verify

    zip_path = Path(args.zip)
    if not zip_path.is_file():
        raise UsageError(f"{zip_path}: no such file")
    with tempfile.TemporaryDirectory(prefix="harvest-verify-") as tmp:
        key = None
        if args.key:
            key = trusted_key(args.key, Path(tmp))
        elif args.allowed_signers:
            key = TrustedKey(Path(args.allowed_signers), args.allowed_signers)
        checks = verify(zip_path, sums=Path(args.sums) if args.sums else None, key=key)
    for check in checks:
        print(check.format())
    line, status = verdict(zip_path, checks, args.allow_unsigned)
    print(line)
    return status


def run_offline_check(site_dir: str) -> int:
    """`harvest check --offline SITE_DIR`: exit 1 naming file and URL for anything loaded from outside."""
    from harvest.cli.main import UsageError
    from harvest.offline.outside import scan_site

    site = Path(site_dir)
    if not site.is_dir():
        raise UsageError(f"{site_dir}: no such folder (build it first: harvest build, or unzip a copy)")
    report = scan_site(site)
    for finding, files in report.grouped_loads():
        print(finding.format(f"{site_dir.rstrip('/')}/") + (f" (and in {files - 1} more files)" if files > 1 else ""))
    links = report.link_urls()
    if links:
        print(f"links out (allowed: fetched only if a reader follows them), {len(links)}:")
        for url, pages in links.items():
            print(f"  {url}  ({pages[0]}" + (f" and {len(pages) - 1} more)" if len(pages) > 1 else ")"))
    print(
        f"checked {report.files_scanned} HTML/CSS/JS files in {site_dir}: "
        + (f"{len(report.loads)} load(s) from other hosts" if report.loads else "nothing loads from another host")
    )
    return 1 if report.loads else 0
