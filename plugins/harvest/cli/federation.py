"""`harvest export` (our exchange bundle) and `harvest federation pull` (the archives we follow)."""

from __future__ import annotations

import os
from pathlib import Path

from harvest.cli.main import add_common, load_settings
from harvest.cli.pack import SIGN_KEY_ENV


def register(sub) -> None:
    export = sub.add_parser(
        "export",
        help="write a signed exchange bundle of the stories a profile may show, for the archives that follow ours",
    )
    add_common(export)
    export.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="where to write harvest-federation.zip (default: dist/federation/ next to mkdocs.yml)",
    )
    export.add_argument(
        "--sign-key",
        default=os.environ.get(SIGN_KEY_ENV) or None,
        metavar="PATH",
        help=f"OpenSSH private key to sign the bundle with (or ${SIGN_KEY_ENV}); peers refuse unsigned bundles",
    )
    export.set_defaults(run=run_export)

    federation = sub.add_parser("federation", help="the archives we follow (stories/federation.yml)")
    actions = federation.add_subparsers(dest="action", metavar="ACTION", required=True)
    pull = actions.add_parser("pull", help="fetch, verify and store the peers' latest bundles")
    add_common(pull, profile=False)
    pull.add_argument("peers", nargs="*", metavar="PEER", help="peer names from federation.yml (default: all)")
    pull.add_argument("--dry-run", action="store_true", help="verify and say what would change; write nothing")
    pull.set_defaults(run=run_pull)


def run_export(args) -> int:
    from harvest.federation.export import export

    load_settings(args)  # a bad config or profile fails before anything is read
    out = Path(args.out) if args.out else Path(args.config_file).resolve().parent / "dist" / "federation"
    done = export(Path(args.config_file), out, args.profile, Path(args.sign_key) if args.sign_key else None)
    manifest = done.manifest
    print(
        f"wrote {done.zip_path}: bundle {manifest.sequence} of {manifest.date.isoformat()}, "
        f"profile '{manifest.profile}': {len(manifest.stories)} stories"
        + (
            f" ({resharing} re-shared from peers)"
            if (resharing := sum(1 for s in manifest.stories if s.origin))
            else ""
        )
        + f", {len(manifest.images)} images, "
        f"{len(manifest.withdrawn)} withdrawn"
    )
    print(f"sha256 {done.sha256}")
    print(f"archive id {manifest.archive_id} (kept in stories/federation-exports.txt: commit it)")
    if done.signature:
        print(f"signed: {done.signature}")
        if done.key_line:
            print("peers put this line in their stories/federation.yml (send it apart from the bundle):")
            print(f"    key: {done.key_line}")
            print(f"  key fingerprint: {done.fingerprint}")
    else:
        print("NOT SIGNED: peers refuse unsigned bundles; export again with --sign-key")
    return 0


def run_pull(args) -> int:
    from harvest.federation.pull import pull

    settings = load_settings(args)
    results = pull(settings, args.peers, args.dry_run)
    for result in results:
        print(result.summary())
        for skipped in result.skipped:
            print(f"  left out: {skipped}")
    if args.dry_run:
        print("dry run: nothing was written")
    return 1 if any(r.refused for r in results) else 0
