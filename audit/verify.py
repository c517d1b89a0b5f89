"""Standalone verifier for notice-service audit logs (see audit/SPEC.md).

Independent second implementation: it imports nothing from ``notice_service``, only the standard library,
``cryptography`` (Ed25519) and ``rfc8785`` (JSON canonicalisation). Proof checking uses the
inner/border decomposition of RFC 9162 proofs (as transparency-dev/merkle does) rather than the
step-by-step loop of the service, so one implementation's mistake is unlikely to be shared by the other.

    python audit/verify.py vectors DIR            RFC 9162 proof vectors and RFC 8785 pairs
    python audit/verify.py log DIR [--tsa-ca PEM] [--checkpoint NOTE]...
                                                  an exported log directory; each NOTE is a signed checkpoint
                                                  held from elsewhere (an earlier export, a receipt): the log must
                                                  reach its size and have its root (truncation, fork)
    python audit/verify.py dossier FILE.zip [--tsa-ca PEM] [--signer-ca PEM]
                                                  an evidence dossier (verify_dossier.py, SPEC.md §9)

Records that are ASCII and already in their RFC 8785 form (all the service writes) are checked with the C JSON
parser and serialiser; anything else takes the full ``rfc8785`` path, which names the problem. A million records
verify in about 15 s on a 2-core machine (``bench/audit.py``).

The code: ``verify_log.py`` (log and vectors), ``verify_tsr.py`` (RFC 3161 tokens), ``verify_dossier.py``
(dossier); this file is the command line.

Exit status 0 when everything verifies, 1 on the first failure (printed with a named reason), 2 on usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

# Beside this file: run as a script, its folder is on sys.path. verify_log holds the log checks and the helpers
# verify_dossier shares, so neither imports this command line (no import cycle).
import verify_dossier
from verify_log import Failure, run_vectors, verify_log


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["vectors", "log", "dossier"])
    parser.add_argument("directory", type=Path, help="DIR (vectors, log) or FILE.zip (dossier)")
    parser.add_argument("--tsa-ca", type=Path, help="PEM file of trusted TSA roots (log and dossier commands)")
    parser.add_argument("--signer-ca", type=Path, help="PEM file of trusted roots of the manifest's signer (dossier)")
    parser.add_argument(
        "--checkpoint",
        action="append",
        type=Path,
        metavar="NOTE",
        help="a signed checkpoint note held from elsewhere, checked against the log (log command; repeatable)",
    )
    args = parser.parse_args(argv)
    given: list[Path] = args.checkpoint or []
    if given and args.command != "log":
        parser.error("--checkpoint applies to the log command only")
    for note in given:
        if not note.is_file():
            parser.error(f"--checkpoint {note}: no such file")
    if args.command == "vectors":
        return run_vectors(args.directory)
    if args.command == "dossier":
        return verify_dossier.run(args.directory, args.tsa_ca, args.signer_ca)
    try:
        report = verify_log(args.directory, args.tsa_ca, given)
    except Failure as exc:
        print(f"FAIL {exc}")
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"FAIL export-unreadable: {exc}")
        return 1
    print("\n".join(report))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
