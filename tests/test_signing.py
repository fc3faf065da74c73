"""Signatures on standard PKI: keygen, sign and verify of result JSON (detached CMS) and PDF (PAdES)."""
import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.interfaces.cli import main
from checker.outputs import signing

ROOT = Path(__file__).resolve().parent.parent
FACTORY = ROOT / "examples/zero-carbon-factory/four-stars.json"


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def write_pair(folder: Path, name: str, **options) -> tuple[Path, Path]:
    key, cert = signing.keygen(name, **options)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.pem").write_bytes(key)
    (folder / "key.pem").chmod(0o600)
    (folder / "cert.pem").write_bytes(cert)
    return folder / "key.pem", folder / "cert.pem"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    base = tmp_path_factory.mktemp("keys")
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    return {"good": write_pair(base / "good", "Test signer", organisation="Example CC"),
            "other": write_pair(base / "other", "Someone else"),
            "expired": write_pair(base / "expired", "Expired signer", days=10, now=past)}


@pytest.fixture
def result_json(tmp_path):
    path = tmp_path / "result.json"
    assert run("check", FACTORY, "--format", "json", "-o", path, "--date", "2026-11-25").exit_code == 0
    return path


def flip(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------------------------- keygen

@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_keygen_writes_a_private_key_only_its_owner_reads_and_a_certificate(tmp_path, umask_022):
    result = run("keygen", "-o", tmp_path / "keys", "--name", "Trial")
    assert result.exit_code == 0, result.output
    key, cert = tmp_path / "keys/signing-key.pem", tmp_path / "keys/signing-cert.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert cert.stat().st_mode & 0o777 == 0o644
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert "BEGIN PRIVATE KEY" not in result.output
    again = run("keygen", "-o", tmp_path / "keys")
    assert again.exit_code == 2 and "--force" in again.output
    key.chmod(0o644)  # replaced with --force: the new key is private again
    assert run("keygen", "-o", tmp_path / "keys", "--force").exit_code == 0
    assert key.stat().st_mode & 0o777 == 0o600


def test_signed_outputs_follow_the_umask(keys, tmp_path, umask_022):
    key, cert = keys["good"]
    out = tmp_path / "result.json"
    assert run("check", FACTORY, "--format", "json", "-o", out, "--sign-key", key, "--sign-cert", cert).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o644
    assert out.with_name("result.json.p7s").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------- JSON (CMS)

def test_a_signed_result_verifies(keys, result_json):
    key, cert = keys["good"]
    assert run("sign", result_json, "--key", key, "--cert", cert).exit_code == 0
    signature = result_json.with_name("result.json.p7s")
    assert signature.read_bytes()[:1] == b"\x30"  # DER: a CMS ContentInfo SEQUENCE
    verified = run("verify", result_json, "--cert", cert)
    assert verified.exit_code == 0, verified.output
    assert "valid" in verified.output and "Test signer" in verified.output


def test_one_flipped_byte_of_a_signed_result_fails(keys, result_json):
    key, cert = keys["good"]
    run("sign", result_json, "--key", key, "--cert", cert)
    flip(result_json)
    verified = run("verify", result_json, "--cert", cert)
    assert verified.exit_code == 1
    assert "not valid (altered)" in verified.output


def test_a_flipped_byte_of_the_signature_fails(keys, result_json):
    key, cert = keys["good"]
    run("sign", result_json, "--key", key, "--cert", cert)
    flip(result_json.with_name("result.json.p7s"), 0.6)
    assert run("verify", result_json, "--cert", cert).exit_code == 1


def test_a_different_certificate_fails(keys, result_json):
    key, cert = keys["good"]
    run("sign", result_json, "--key", key, "--cert", cert)
    verified = run("verify", result_json, "--cert", keys["other"][1])
    assert verified.exit_code == 1
    assert "not valid (untrusted)" in verified.output


def test_an_expired_certificate_fails(keys, result_json):
    key, cert = keys["expired"]
    data = result_json.read_bytes()
    result_json.with_name("result.json.p7s").write_bytes(signing.sign_detached(data, signing.load_signer(key, cert)))
    verified = run("verify", result_json, "--cert", cert)
    assert verified.exit_code == 1
    assert "not valid (expired)" in verified.output
    refused = run("sign", result_json, "--key", key, "--cert", cert)  # the command will not make such a signature
    assert refused.exit_code == 2 and "expired" in refused.output


def test_a_key_that_is_not_the_certificates_is_refused(keys, result_json):
    refused = run("sign", result_json, "--key", keys["other"][0], "--cert", keys["good"][1])
    assert refused.exit_code == 2
    assert "does not belong to the certificate" in refused.output


def test_an_unsigned_result_fails(keys, result_json):
    verified = run("verify", result_json, "--cert", keys["good"][1])
    assert verified.exit_code == 1 and "unsigned" in verified.output


def test_check_signs_the_json_it_writes_and_no_key_appears_anywhere(keys, tmp_path):
    key, cert = keys["good"]
    out = tmp_path / "result.json"
    result = run("check", FACTORY, "--format", "json", "-o", out, "--sign-key", key, "--sign-cert", cert)
    assert result.exit_code == 0, result.output
    assert run("verify", out, "--cert", cert).exit_code == 0
    secret = b"".join(key.read_bytes().splitlines()[1:-1])  # the key's base64 body
    for written in (out, out.with_name("result.json.p7s")):
        assert secret[:40] not in written.read_bytes()
    assert secret[:40].decode() not in result.output


def test_signing_applies_to_json_and_pdf_only(keys):
    key, cert = keys["good"]
    result = run("check", FACTORY, "--format", "md", "--sign-key", key, "--sign-cert", cert)
    assert result.exit_code == 2 and "--format json or pdf" in result.output


def test_a_key_readable_by_others_gets_a_warning(keys, tmp_path, result_json):
    key, cert = keys["good"]
    shared = tmp_path / "shared-key.pem"
    shutil.copy(key, shared)
    shared.chmod(0o644)
    result = run("sign", result_json, "--key", shared, "--cert", cert)
    assert result.exit_code == 0
    assert "can be read by others (mode 0644)" in result.output


def test_a_pkcs12_key_with_a_password_works(keys, tmp_path, result_json):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, load_pem_private_key, pkcs12
    from cryptography.x509 import load_pem_x509_certificate
    key, cert = keys["good"]
    bundle = pkcs12.serialize_key_and_certificates(
        b"signer", load_pem_private_key(key.read_bytes(), None), load_pem_x509_certificate(cert.read_bytes()), None,
        BestAvailableEncryption(b"s3cret"))
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(bundle)
    p12.chmod(0o600)
    wrong = run("sign", result_json, "--key", p12, env={signing.PASSWORD_VARIABLE: "nope"})
    assert wrong.exit_code == 2 and signing.PASSWORD_VARIABLE in wrong.output and "s3cret" not in wrong.output
    assert run("sign", result_json, "--key", p12, env={signing.PASSWORD_VARIABLE: "s3cret"}).exit_code == 0
    assert run("verify", result_json, "--cert", cert).exit_code == 0


def test_without_the_sign_extra_the_message_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyhanko.sign", None)  # import -> ImportError
    result = run("keygen", "-o", tmp_path)
    assert result.exit_code == 2
    assert "pip install 'carbon-check[sign]'" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------------ PDF (PAdES)

def _pdf_available():
    try:
        from checker.outputs.pdf import html_to_pdf
        html_to_pdf("<html><body><p>零碳</p></body></html>")
    except Exception as error:  # WeasyPrint's system libraries or the CJK fonts are missing
        return str(error)
    return None


needs_pdf = pytest.mark.skipif(_pdf_available() is not None,
                               reason="PDF output needs WeasyPrint's system packages and fonts-noto-cjk "
                                      "(bash .ci/install-pdf-deps)")


@pytest.fixture(scope="module")
def signed_pdf(keys, tmp_path_factory):
    key, cert = keys["good"]
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    result = run("check", FACTORY, "--format", "pdf", "-o", out, "--sign-key", key, "--sign-cert", cert,
                 "--organisation", "示例认证中心", "--report-number", "ECC-2026-0001", "--assessor", "张三")
    assert result.exit_code == 0, result.output
    return out


@needs_pdf
def test_a_signed_pdf_verifies(keys, signed_pdf):
    verified = run("verify", signed_pdf, "--cert", keys["good"][1])
    assert verified.exit_code == 0, verified.output


@needs_pdf
def test_the_pdf_signature_sits_in_the_signoff_box(signed_pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    with signed_pdf.open("rb") as handle:
        reader = PdfFileReader(handle)
        page, (x1, y1, x2, y2) = signing.signature_box(reader)
        # The box of templates/_signoff.html.j2: 80 mm x 24 mm (1 mm = 72 / 25.4 pt)
        assert (x2 - x1, y2 - y1) == pytest.approx((80 * 72 / 25.4, 24 * 72 / 25.4), abs=1)  # + a border
        (name, value, field), = list(enumerate_sig_fields(reader))
        assert name == signing.FIELD and value is not None
        field = field.get_object()
        rect = [float(v) for v in (field["/Kids"][0] if "/Kids" in field else field)["/Rect"]]
        assert rect == pytest.approx([x1, y1, x2, y2], abs=0.01)


@needs_pdf
def test_one_flipped_byte_of_a_signed_pdf_fails(keys, signed_pdf, tmp_path):
    altered = tmp_path / "altered.pdf"
    shutil.copy(signed_pdf, altered)
    flip(altered, 0.3)
    verified = run("verify", altered, "--cert", keys["good"][1])
    assert verified.exit_code == 1
    assert "not valid" in verified.output


@needs_pdf
def test_a_signed_pdf_and_a_different_certificate_fails(keys, signed_pdf):
    verified = run("verify", signed_pdf, "--cert", keys["other"][1])
    assert verified.exit_code == 1 and "untrusted" in verified.output


@needs_pdf
def test_a_pdf_signed_with_an_expired_certificate_fails(keys, signed_pdf, tmp_path):
    from checker.outputs.pdf import html_to_pdf
    key, cert = keys["expired"]
    path = tmp_path / "expired.pdf"
    path.write_bytes(signing.sign_pdf(html_to_pdf("<html><body><p>x</p></body></html>"),
                                      signing.load_signer(key, cert)))
    verified = run("verify", path, "--cert", cert)
    assert verified.exit_code == 1 and "expired" in verified.output


@needs_pdf
def test_sign_adds_a_signature_to_an_unsigned_report(keys, tmp_path):
    key, cert = keys["good"]
    report = tmp_path / "report.pdf"
    assert run("check", FACTORY, "--format", "pdf", "-o", report).exit_code == 0
    assert run("verify", report, "--cert", cert).exit_code == 1
    assert run("sign", report, "--key", key, "--cert", cert, "-o", tmp_path / "signed.pdf").exit_code == 0
    assert run("verify", tmp_path / "signed.pdf", "--cert", cert).exit_code == 0


@needs_pdf
@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (Debian package poppler-utils) is not installed")
def test_pdfsig_recognises_the_signature(signed_pdf):
    shown = subprocess.run(["pdfsig", str(signed_pdf)], capture_output=True, text=True, check=False).stdout
    assert "Signature Field Name: " + signing.FIELD in shown
    assert "Signature Validation: Signature is Valid." in shown
    assert "Total document signed" in shown
    assert "ETSI.CAdES.detached" in shown
