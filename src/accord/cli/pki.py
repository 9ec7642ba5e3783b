"""`accord pki init-ca / issue / sign-directory`: the federation operator's tools.

These work on files, not on a node: the CA directory (`ca.crt`, `ca.key`, `directory.key`,
`directory.pub.pem`) stays with the federation operator; `issue` writes a node's `node.crt`,
`node.key` and `ca.crt` for its `ACCORD_HOME/tls`; `sign-directory` turns the entries nodes
print with `accord peers self` into the signed partner directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.errors import FieldError, ValidationError

from .common import new_app, say

__all__ = ["app"]

app = new_app("Federation PKI: the CA, node certificates, the signed partner directory.")


@app.command("init-ca")
def init_ca(
    name: Annotated[str, typer.Option(help="The federation's name (CA common name).")],
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write the CA and directory key files.")
    ] = Path("ca"),
    key_type: Annotated[str, typer.Option(help="p256 (ECDSA P-256, default) or ed25519.")] = "p256",
) -> None:
    """Create the federation CA and the directory signing key (never overwrites)."""
    from accord.crypto import key_fingerprint
    from accord.federation.pki import DIRECTORY_PUBLIC_FILE, init_ca_files

    if key_type not in ("p256", "ed25519"):
        raise ValidationError(FieldError("key_type", "p256 or ed25519"))
    ca = init_ca_files(directory, name, key_type="ed25519" if key_type == "ed25519" else "p256")
    say("Federation CA ", (name, "bold"), f" in {directory}")
    say(f"  CA certificate fingerprint: {ca.fingerprint}")
    say(f"  directory key fingerprint:  {key_fingerprint(ca.directory_key.public_key())}")
    say(f"Give every node {directory / 'ca.crt'} and {directory / DIRECTORY_PUBLIC_FILE}.")


@app.command()
def issue(
    node: Annotated[str, typer.Argument(metavar="NODE", help="The node's id (e.g. de-bka).")],
    agency: Annotated[str, typer.Option(help="The node's agency code, CC-NAME.")],
    host: Annotated[
        list[str], typer.Option("--host", help="DNS name or IP the node is reached at; repeat.")
    ],
    ca_dir: Annotated[Path, typer.Option(help="The CA directory (from init-ca).")] = Path("ca"),
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write node.crt, node.key, ca.crt: the node's ACCORD_HOME/tls, or a "
            "directory to hand over (default ./NODE-tls)."
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Validity in days (default 365).", show_default=False)
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing node key.")] = False,
) -> None:
    """Issue a node's TLS certificate (serverAuth and clientAuth) and its key."""
    from accord.crypto import NODE_VALID_DAYS
    from accord.federation.pki import issue_node_files

    out = out or Path(f"{node}-tls")
    valid_days = NODE_VALID_DAYS if days is None else days
    issued = issue_node_files(
        ca_dir, out, node, agency, host, valid_days=valid_days, overwrite=overwrite
    )
    say("Certificate for ", (node, "bold"), f" ({agency}) written to {out}")
    say(f"  fingerprint: {issued.fingerprint}")
    say(f"  valid until: {issued.certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")


@app.command("sign-directory")
def sign(
    entries: Annotated[
        list[Path],
        typer.Argument(help="Entry files as printed by `accord peers self` (JSON).", exists=True),
    ],
    ca_dir: Annotated[Path, typer.Option(help="The CA directory (from init-ca).")] = Path("ca"),
    out: Annotated[Path, typer.Option(help="The signed directory file to write.")] = Path(
        "directory.jws"
    ),
    serial: Annotated[
        int | None, typer.Option(help="Edition number (default: one more than at --out).")
    ] = None,
) -> None:
    """Sign the partner directory; every node imports it with `accord peers import`."""
    from accord.federation.pki import sign_directory_file

    loaded: list[dict[str, Any]] = []
    for path in entries:
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            raise ValidationError(FieldError(str(path), f"not JSON: {exc}")) from exc
        loaded.extend(data if isinstance(data, list) else [data])
    directory = sign_directory_file(ca_dir, loaded, out, serial=serial)
    say(
        "Directory ",
        (directory.federation, "bold"),
        f" serial {directory.serial} with {len(directory.entries)} node(s) written to {out}",
    )
