"""Digital signatures on standard PKI: X.509 certificates, CMS (PKCS#7) detached signatures, PAdES.

* A result JSON is signed with a detached CMS SignedData (DER, `.p7s`) over its exact bytes. CMS rather
  than JWS: it is the format PAdES embeds in the PDF, so one kind of signature and one validation path
  serve both; it carries the signer's certificate chain; it needs no canonicalisation or base64 payload;
  and anyone can check it without carbon-check (`openssl cms -verify -binary -inform DER -content
  result.json -in result.json.p7s -CAfile ca.pem`). China's GM/T 0010 defines the same structure for SM2.
* A PDF gets a PAdES baseline signature (ETSI.CAdES.detached) in a visible field placed over the report's
  sign-off box, which the HTML marks with the anchors `signature-field` and `signature-field-end`
  (WeasyPrint writes anchors as named destinations, so the box is found in the PDF itself).

pyHanko (the `sign` extra) does the CMS and PDF work and the certificate path validation; keys are
generated with `cryptography`, which pyHanko depends on. Nothing here writes a key anywhere but the file
`keygen` creates, and no message quotes one.
"""
from __future__ import annotations

import asyncio
import datetime
import io
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExtraMissing, Worded
from ..inputs import InputError, read_file

FIELD = "carbon-check-signature"  # the signature field's name in the PDF
ANCHOR, ANCHOR_END = "signature-field", "signature-field-end"  # the sign-off box's corners (templates/_signoff)
PASSWORD_VARIABLE = "CARBON_CHECK_KEY_PASSWORD"  # never an option: it would show in the process list
KEY_FILE, CERT_FILE = "signing-key.pem", "signing-cert.pem"
MAX_KEY_BYTES = 1024 * 1024  # a key, a certificate or a chain of them is a few kilobytes
FALLBACK_BOX = (340, 40, 567, 108)  # bottom right of the last page, for a PDF without the sign-off box


class SigningError(Worded):
    """A key, certificate or file that cannot be used for signing; the message (catalogue group `signing`) says
    which and why."""
    group = "signing"


class SigningUnavailable(ExtraMissing, SigningError):
    """The `sign` extra is not installed. ExtraMissing first: its words (group `extra`) and its way of being built."""
    extra = "sign"


@dataclass
class Verdict:
    """The outcome of verifying one signature."""

    valid: bool
    reason: str  # "valid", "altered", "wrong key", "expired", "untrusted", "unsigned"
    detail: str
    signer: str | None = None


def _pyhanko():
    try:
        from pyhanko.sign import signers  # noqa: F401  (lazy on purpose: an optional extra)
    except ImportError as error:
        raise SigningUnavailable(error) from None
    # pyHanko logs each failed check with its traceback; a Verdict says the same in one line. Without a
    # handler of their own, Python would print those records on stderr.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


# ---------------------------------------------------------------------------------------------- keys

def keygen(name: str, organisation: str | None = None, days: int = 365,
           now: datetime.datetime | None = None) -> tuple[bytes, bytes]:
    """A new ECDSA P-256 private key and a self-signed X.509 certificate for it, both PEM, for trying out.

    P-256 with SHA-256 is accepted by Acrobat, poppler (pdfsig) and OpenSSL, and is quick to generate.
    """
    _pyhanko()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    subject = x509.Name(attributes)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=True,
                                     crl_sign=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def key_warning(path: Path, lang: str = "en") -> str | None:
    """A warning, in `lang`, when a private key file can be read by its group or by others."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        from ..catalogue import fill, messages
        return fill(messages(lang)["signing"]["readable_key"], path=path, mode=f"{stat.S_IMODE(mode):04o}")
    return None


def _material(path: Path, what: str) -> bytes:
    """A key or certificate file, read by the one bounded reader: never a FIFO, a device or a huge file."""
    try:
        return read_file(path, max_bytes=MAX_KEY_BYTES, what=what)
    except InputError as error:
        raise SigningError("unreadable", path=path, reason=error.reason) from None


def load_signer(key: Path, cert: Path | None = None):
    """A pyHanko signer from a PEM/DER key and certificate, or from a PKCS#12 file (.p12, .pfx) alone.

    A password, if the key has one, is read from the environment variable CARBON_CHECK_KEY_PASSWORD.
    """
    _pyhanko()
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    key, password = Path(key), os.environ.get(PASSWORD_VARIABLE)
    passphrase = password.encode("utf-8") if password is not None else None
    pkcs12 = key.suffix.lower() in (".p12", ".pfx")
    key_data = _material(key, "key")   # first: a key that is not there is not "not a PKCS#12 file"
    if not pkcs12 and cert is None:
        raise SigningError("needs_cert", key=key)
    cert_data = _material(Path(cert), "certificate") if cert is not None else None
    try:
        chain = list(load_certs_from_pemder_data(cert_data)) if cert_data is not None else []
        if pkcs12:
            signer = signers.SimpleSigner.load_pkcs12_data(key_data, other_certs=chain, passphrase=passphrase)
        elif len(chain) != 1:
            raise SigningError("one_cert", cert=cert, count=len(chain))
        else:
            signer = signers.SimpleSigner(signing_cert=chain[0], cert_registry=SimpleCertificateStore(),
                                          signing_key=load_private_key_from_pemder_data(key_data, passphrase))
    except SigningError:
        raise
    except Exception as error:  # pyHanko and cryptography raise many kinds; none may quote the key
        raise SigningError("bad_key_password" if passphrase else "bad_key", key=key, error=type(error).__name__,
                           variable=PASSWORD_VARIABLE) from None
    _check_pair(signer, key)
    return signer


def _check_pair(signer, key: Path) -> None:
    """Refuse a key that does not belong to the certificate: its signatures could never verify."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509 import load_der_x509_certificate
    certificate = load_der_x509_certificate(signer.signing_cert.dump())
    private = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    der = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(*der) != certificate.public_key().public_bytes(*der):
        raise SigningError("not_pair", key=key, subject=signer.signing_cert.subject.human_friendly)


def load_trust(paths: list[Path]):
    """The certificates to trust, from PEM or DER files (a PEM file may hold several)."""
    _pyhanko()
    from pyhanko.keys import load_certs_from_pemder_data
    try:
        certificates = [c for path in paths for c in load_certs_from_pemder_data(_material(path, "certificate"))]
    except SigningError:
        raise
    except Exception as error:
        raise SigningError("bad_certs", paths=", ".join(map(str, paths)), detail=error) from None
    if not certificates:
        raise SigningError("no_certs", paths=", ".join(map(str, paths)))
    return certificates


def _context(trust):
    from pyhanko_certvalidator import ValidationContext
    # Offline: a report is checked against the certificates given, without fetching revocation data.
    return ValidationContext(trust_roots=trust, allow_fetching=False, revocation_mode="soft-fail")


def expiry_problem(certificate, now: datetime.datetime | None = None) -> SigningError | None:
    """Why an (asn1crypto) certificate is not valid now (its str in English), or None."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    validity = certificate["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now > not_after:
        return SigningError("expired", subject=certificate.subject.human_friendly, date=f"{not_after:%Y-%m-%d}")
    if now < not_before:
        return SigningError("not_yet", subject=certificate.subject.human_friendly, date=f"{not_before:%Y-%m-%d}")
    return None


def sign_document(data: bytes, signer) -> tuple[bytes, bytes | None]:
    """A PDF signed in itself, (pdf, None); anything else unchanged with its detached signature, (data, p7s)."""
    if data.startswith(b"%PDF-"):
        return sign_pdf(data, signer), None
    return data, sign_detached(data, signer)


# ------------------------------------------------------------------------------------ detached (JSON)

def sign_detached(data: bytes, signer) -> bytes:
    """A detached CMS SignedData (DER) over `data`, exactly as given."""
    return asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True)).dump()


def verify_detached(data: bytes, signature: bytes, trust) -> Verdict:
    """Whether `signature` (DER CMS) is valid for `data` and its signer chains to a certificate of `trust`."""
    _pyhanko()
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    try:
        content = cms.ContentInfo.load(signature)
        signed_data = content["content"]
        if content["content_type"].native != "signed_data":
            raise ValueError("not a CMS SignedData")
        signed_data.native  # parse fully now: a damaged signature is refused here, not deep in validation
    except Exception as error:
        return Verdict(False, "altered", f"the signature file is not a CMS signature ({type(error).__name__})")
    try:
        status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=_context(trust)))
    except Exception as error:
        return Verdict(False, "altered", f"the signature cannot be checked: {type(error).__name__}: {error}")
    return _verdict(status)


def _verdict(status, coverage_ok: bool = True) -> Verdict:
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else None
    if not status.intact:
        return Verdict(False, "altered", "the signed content was altered: its digest differs from the signed one",
                       signer)
    if not status.valid:
        return Verdict(False, "wrong key", "the signature does not verify with the public key of the "
                                           "certificate it names", signer)
    if not coverage_ok:
        return Verdict(False, "altered", "the PDF was changed after it was signed", signer)
    problem = status.trust_problem_indic
    name = getattr(problem, "name", str(problem))
    expired = expiry_problem(status.signing_cert)
    # Checked at the time of verification: without a trusted timestamp nothing proves the signature was made
    # while the certificate was valid.
    if expired or (problem is not None and ("EXPIRED" in name or "OUT_OF_BOUNDS" in name)):
        return Verdict(False, "expired",
                       str(expired) if expired else f"the signer's certificate is out of its validity ({name})", signer)
    if problem is not None:
        return Verdict(False, "untrusted", f"the signer's certificate does not chain to a trusted certificate "
                                           f"({name})", signer)
    return Verdict(True, "valid", "the signature is valid and its certificate chains to a trusted one", signer)


# ------------------------------------------------------------------------------------------------ PDF

def sign_pdf(pdf: bytes, signer, *, reason: str | None = None, location: str | None = None) -> bytes:
    """`pdf` with a PAdES signature in a visible field over the report's sign-off box (incremental update)."""
    _pyhanko()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as error:
        raise SigningError("not_pdf", error=type(error).__name__, detail=error) from None
    empty = [name for name, value, _ in fields.enumerate_sig_fields(writer.prev) if value is None]
    spec = None
    name = FIELD if FIELD in empty else None
    if name is None:
        page, box = signature_box(writer.prev)
        name = FIELD if not any(n == FIELD for n, _, _ in fields.enumerate_sig_fields(writer.prev)) else \
            f"{FIELD}-{len(list(fields.enumerate_sig_fields(writer.prev))) + 1}"
        spec = fields.SigFieldSpec(sig_field_name=name, on_page=page, box=box)
    metadata = signers.PdfSignatureMetadata(field_name=name, subfilter=fields.SigSeedSubFilter.PADES,
                                            md_algorithm="sha256", reason=reason, location=location)
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=_stamp_style(signer), new_field_spec=spec)
    return pdf_signer.sign_pdf(writer).getvalue()


def _stamp_style(signer):
    """The visible signature's text. pyHanko's stamp font has Latin letters only: a name in Chinese would come
    out garbled, so it is left to the signature's certificate, which every viewer shows."""
    from pyhanko.stamp import TextStampStyle
    name = signer.signing_cert.subject.native.get("common_name") or ""
    who = f" by {name}" if name.isascii() else ""
    return TextStampStyle(stamp_text=f"Digitally signed{who}\nPAdES, SHA-256\n%(ts)s", border_width=1)


def signature_box(reader) -> tuple[int, tuple[float, float, float, float]]:
    """The page and box (PDF points) of the sign-off block's signature box, from its two anchors."""
    corners = {}
    try:
        names = reader.root["/Names"]["/Dests"]["/Names"]
        pages = [reader.find_page_for_modification(i)[0].idnum for i in range(int(reader.root["/Pages"]["/Count"]))]
        for i in range(0, len(names), 2):
            if str(names.raw_get(i)) in (ANCHOR, ANCHOR_END):
                target = names.raw_get(i + 1)  # [page, /XYZ, left, top, zoom], or a dictionary with /D
                target = target.get_object() if hasattr(target, "get_object") else target
                if isinstance(target, dict):
                    target = target["/D"]
                corners[str(names.raw_get(i))] = (pages.index(target.raw_get(0).idnum), float(target[2]), float(target[3]))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        corners = {}
    if ANCHOR in corners and ANCHOR_END in corners and corners[ANCHOR][0] == corners[ANCHOR_END][0]:
        (page, x1, y1), (_, x2, y2) = corners[ANCHOR], corners[ANCHOR_END]
        return page, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    return int(reader.root["/Pages"]["/Count"]) - 1, FALLBACK_BOX


def verify_pdf(pdf: bytes, trust) -> list[Verdict]:
    """Every signature of `pdf`, verified; the last must cover the whole file (nothing changed after it)."""
    _pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        return [Verdict(False, "altered", f"the PDF cannot be read: {type(error).__name__}: {error}")]
    if not signatures:
        return [Verdict(False, "unsigned", "the PDF has no signature")]
    verdicts = []
    context = _context(trust)
    for embedded in signatures:
        try:
            status = validate_pdf_signature(embedded, context)
        except Exception as error:
            verdicts.append(Verdict(False, "altered", f"the signature cannot be checked: {type(error).__name__}: "
                                                      f"{error}"))
            continue
        covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            embedded is not signatures[-1] and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION)
        verdicts.append(_verdict(status, covered))
    return verdicts
