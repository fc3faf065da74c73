"""Commands that make results trustworthy: reproduce, keygen, sign, verify; and the sign-off and signing
options of `check`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ...evaluation.result import dumps
from ...inputs import exists, read_file
from ...outputs.files import write_atomically
from .common import EXIT_INVALID, EXIT_NOT_GRADED, EXIT_OK, complete_ruleset, max_bytes_option

SIGNATURE_SUFFIX = ".p7s"  # a detached CMS signature, as S/MIME names it
MAX_DOCUMENT_BYTES = 1 << 30  # a report or result is megabytes; this only stops /dev/zero and the like

VERIFY_EXIT_CODES = """\b
Exit codes:
  0  the signature is valid and its certificate chains to a trusted one
  1  not valid: altered, wrong key, expired, untrusted or unsigned (the reason is printed)
  2  invalid input: a file or certificate that cannot be read
  3  internal fault (a short message says where to report it)"""


def signoff_options(command):
    """`check`'s options for the sign-off block: an issuer file, and fields that override it."""
    for option in reversed([
        click.option("--issuer", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Issuer file (YAML): organisation, report_number pattern, people (assessor, reviewer)."),
        click.option("--organisation", help="The issuing organisation (without one the report is a self-assessment)."),
        click.option("--report-number", help="The report number (default: from the issuer's pattern)."),
        click.option("--assessor", help="The assessor's name."),
        click.option("--assessor-date", help="The date the assessor signs, YYYY-MM-DD."),
        click.option("--reviewer", help="The reviewer's name."),
        click.option("--reviewer-date", help="The date the reviewer signs, YYYY-MM-DD."),
        click.option("--sign-key", type=click.Path(dir_okay=False, path_type=Path),
                     help="Sign the json or pdf output with this private key (PEM, DER, or PKCS#12 .p12/.pfx)."),
        click.option("--sign-cert", type=click.Path(dir_okay=False, path_type=Path),
                     help="The certificate of --sign-key (not needed for PKCS#12)."),
    ]):
        command = option(command)
    return command


def signer_for(key: Path | None, cert: Path | None, fmt: str | None = None, output: Path | None = None):
    """The signer of `--sign-key`/`--sign-cert`, checked before any work; None when not signing."""
    if key is None:
        if cert is not None:
            raise click.UsageError("--sign-cert needs --sign-key")
        return None
    if fmt is not None and fmt not in ("json", "pdf"):
        raise click.UsageError("--sign-key signs --format json or pdf")
    if fmt == "json" and output is None:
        raise click.UsageError("--sign-key with --format json needs -o FILE (the signature is written beside it)")
    return _load_signer(key, cert)


def _load_signer(key: Path, cert: Path | None):
    from ...outputs.signing import expiry_problem, key_warning, load_signer, SigningError
    warning = key_warning(key, click.get_current_context().meta.get("lang", "en"))   # `sign` has no --lang
    if warning:
        click.echo(warning, err=True)
    signer = load_signer(key, cert)
    expired = expiry_problem(signer.signing_cert)
    if expired:
        raise SigningError("useless", problem=expired)
    return signer


def _document(path: Path, what: str = "document") -> bytes:
    """A file signed, verified or reproduced, read by the one bounded reader (an InputError is exit 2)."""
    return read_file(path, max_bytes=MAX_DOCUMENT_BYTES, what=what)


def write_signed(output: Path, document: bytes, signer) -> None:
    """Write `document` to `output`, signed: a PDF in itself, anything else with OUTPUT.p7s beside it."""
    from ...outputs.signing import sign_document
    document, signature = sign_document(document, signer)
    write_atomically(output, document)
    if signature is not None:
        write_atomically(output.with_name(output.name + SIGNATURE_SUFFIX), signature)


@click.command(epilog="""\b
Exit codes:
  0  written
  2  invalid input: the folder holds a key already (use --force), or cannot be written
  3  internal fault (a short message says where to report it)""")
@click.option("--output", "-o", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write signing-key.pem and signing-cert.pem to.")
@click.option("--name", default="carbon-check test signer", show_default=True, help="The certificate's common name.")
@click.option("--organisation", help="The certificate's organisation.")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True, help="Days of validity.")
@click.option("--force", is_flag=True, help="Replace a key and certificate already in the folder.")
def keygen(folder, name, organisation, days, force):
    """Write a private key (mode 0600) and a self-signed X.509 certificate (PEM), for trying signatures out.

    A certification body signs with the key and certificate its own CA issued; a self-signed certificate
    proves only that the same key signed.
    """
    from ...outputs.signing import CERT_FILE, KEY_FILE, keygen as make_key
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if not force and (key_path.exists() or cert_path.exists()):
        raise click.BadParameter(f"{folder} holds a key or certificate already; pass --force to replace them",
                                 param_hint="--output")
    key, certificate = make_key(name, organisation, days)
    write_atomically(key_path, key, private=True)  # its owner alone may read it, whatever the umask
    write_atomically(cert_path, certificate)
    click.echo(f"wrote {key_path} (private key, keep it secret) and {cert_path} (self-signed certificate, "
               f"valid {days} days)\nsign:   carbon-check sign result.json --key {key_path} --cert {cert_path}\n"
               f"verify: carbon-check verify result.json --cert {cert_path}", err=True)


@click.command(epilog="""\b
Exit codes:
  0  signed
  2  invalid input: a key, certificate or file that cannot be used
  3  internal fault (a short message says where to report it)""")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Private key: PEM or DER (with --cert), or PKCS#12 (.p12, .pfx). A password is read from "
                   "the environment variable CARBON_CHECK_KEY_PASSWORD.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), help="The key's certificate (PEM or DER).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write: a PDF signed (default: FILE itself); for other files, the detached signature "
                   "(default: FILE.p7s).")
def sign(file, key, cert, output):
    """Sign FILE: a PDF with a PAdES signature in its sign-off box; anything else (a result JSON) with a
    detached CMS signature over its exact bytes, written to FILE.p7s."""
    from ...outputs.signing import sign_document
    signer = _load_signer(key, cert)
    document, signature = sign_document(_document(file), signer)
    target = output or (file if signature is None else file.with_name(file.name + SIGNATURE_SUFFIX))
    write_atomically(target, document if signature is None else signature)
    click.echo(f"signed {file}: {target}", err=True)


@click.command(epilog=VERIFY_EXIT_CODES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--signature", type=click.Path(dir_okay=False, path_type=Path),
              help="The detached signature of FILE (default: FILE.p7s); not for a PDF, which holds its own.")
@click.option("--cert", "certs", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The signer's certificate, or the one it must chain to. Repeatable.")
@click.option("--trust", "trusted", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of trusted CA certificates (PEM). Repeatable.")
def verify(file, signature, certs, trusted):
    """Check that FILE is unaltered and signed by a key whose certificate chains to --cert or --trust."""
    from ...outputs.signing import load_trust, verify_detached, verify_pdf
    if not certs and not trusted:
        raise click.UsageError("give the certificate to trust: --cert CERT or --trust CA.pem")
    trust = load_trust([*certs, *trusted])
    data = _document(file)
    if data.startswith(b"%PDF-"):
        if signature is not None:
            raise click.UsageError("a PDF holds its signatures: --signature is for other files")
        verdicts = verify_pdf(data, trust)
    else:
        if signature is None:   # the default place: nothing there means unsigned; anything else is read
            signature = file.with_name(file.name + SIGNATURE_SUFFIX)
            if not exists(signature):
                click.echo(f"{file}: not valid (unsigned): no signature at {signature}")
                sys.exit(EXIT_NOT_GRADED)
        verdicts = [verify_detached(data, _document(signature, "signature"), trust)]
    for number, verdict in enumerate(verdicts, 1):
        which = f" signature {number}" if len(verdicts) > 1 else ""
        by = f" (signed by {verdict.signer})" if verdict.signer else ""
        if verdict.valid:
            click.echo(f"{file}{which}: valid{by}")
        else:
            click.echo(f"{file}{which}: not valid ({verdict.reason}): {verdict.detail}{by}")
    sys.exit(EXIT_OK if all(v.valid for v in verdicts) else EXIT_NOT_GRADED)


@click.command(epilog="""\b
Exit codes:
  0  the result is reproduced byte for byte
  1  the new result differs (the difference is shown)
  2  invalid input, or the shipped ruleset is not the one the result was made with (give --ruleset)
  3  internal fault (a short message says where to report it)""")
@click.argument("result_file", metavar="RESULT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("evidence", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="The ruleset file the result was made with, when the shipped one differs.")
@max_bytes_option
def reproduce(result_file, evidence, ruleset, max_bytes):
    """Re-evaluate EVIDENCE from what RESULT.json records (ruleset, parameters, date) and compare byte for byte."""
    from ...tools.reproduce import ReproduceError, difference, reevaluate
    try:
        recorded_bytes = _document(result_file, "result")
        new = reevaluate(recorded_bytes, evidence, ruleset, max_bytes)
    except ReproduceError as error:
        click.echo(f"carbon-check: {result_file}: {error}", err=True)
        sys.exit(EXIT_INVALID)
    text = dumps(new).encode("utf-8")
    if text == recorded_bytes:
        click.echo(f"{result_file}: reproduced byte for byte")
        sys.exit(EXIT_OK)
    click.echo(f"{result_file}: NOT reproduced; the difference (--- recorded, +++ reproduced):")
    click.echo(difference(recorded_bytes.decode("utf-8", "replace"), text.decode("utf-8")), nl=False)
    sys.exit(EXIT_NOT_GRADED)
