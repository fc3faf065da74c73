"""Every file a user names is read by `checker.inputs.read_file` (bounded, regular files only, clear errors).

This test reads the package's source for any other way of opening or reading a file and fails on one that
is not listed below with the reason it is safe. A new reader of a user's file belongs in checker.inputs
(`read_file`, `read_text`, `read_stream`), not here.
"""
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "checker"

# Opening a path, reading one whole, or reading standard input; and libraries that open paths themselves.
READS = re.compile(r"(?<![\w.])open\(|\.open\(|\bos\.fdopen\(|\bio\.open\(|\.read_text\(|\.read_bytes\("
                   r"|\bstdin\.(?:buffer\.)?read|\bload_workbook\(|\bZipFile\(|_from_pemder\(|\.load_pkcs12\("
                   r"|SimpleSigner\.load\(|\bfromfile\(")

# (file under checker/, text of the line) -> why it is not a user's file read without bounds.
ALLOWED = {
    ("inputs.py", "fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK"): "the bounded reader itself",
    ("language/parse.py", '(resource_dir("grammar") / "carbon.lark").read_text'): "the package's own grammar",
    ("language/format.py", '(resource_dir("grammar") / "carbon.lark").read_text'): "the package's own grammar",
    ("catalogue.py", "data = path.read_bytes()"):
        "the package's own message catalogue (read_file's words come from it)",
    ("cache.py", "digest.update(Path(file).read_bytes())"): "the package's own source files, for the cache's keys",
    ("cache.py", 'descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))'):
        "a cache entry: regular files only, bounded (checked below it), never blocking",
    ("cache.py", 'with os.fdopen(descriptor, "rb") as handle:'): "the cache entry just opened",
    ("cache.py", "descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)"):
        "writing a new cache entry's temporary file",
    ("cache.py", 'with os.fdopen(descriptor, "wb") as handle:'): "writing a new cache entry's temporary file",
    ("interfaces/web/app.py", '(resource_dir("templates") / "web" / name).read_bytes()'):
        "the package's own static files, by a fixed list of names",
    ("interfaces/cli/common.py", "raw = sys.stdin.buffer.read(max_bytes + 1)"):
        "standard input, at most one byte past --max-bytes (too much is reported, never read whole)",
    ("outputs/files.py", 'with open(path, "ab") as handle:'): "writing a device or FIFO the user named",
    ("outputs/files.py", "fd = os.open(path, os.O_WRONLY | os.O_APPEND"): "adding lines to a batch's journal, never read",
    ("outputs/files.py", "return os.open(temporary, _CREATE, mode), temporary"):
        "creating the temporary file of an atomic write (write only, never one already there)",
    ("outputs/files.py", 'fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)'):
        "writing over a batch's own replaced result, released for this process to write again (write only)",
    ("tools/batch.py", "fd = os.open(Path(out) / LOCK_FILE"): "the batch lock file, never read",
    ("tools/batch.py", "fd = os.open(application.path, flags)"):
        "never read: a regular file within --max-bytes is only named to the system to read ahead (posix_fadvise)",
    ("evidence/workbook.py", "archive = zipfile.ZipFile(io.BytesIO(data))"): "bytes already read by read_file",
    ("evidence/workbook.py", "book = load_workbook(io.BytesIO(data)"): "bytes already read by read_file",
}


def _reads():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if READS.search(code) and not code.lstrip().startswith(("def ", "class ")):
                yield name, number, line.strip()


def _allowed(name, line):
    return next((key for key in ALLOWED if key[0] == name and key[1] in line), None)


def test_no_file_is_opened_outside_the_bounded_reader():
    unlisted = [f"checker/{name}:{number}: {line}" for name, number, line in _reads() if not _allowed(name, line)]
    assert not unlisted, "read user files with checker.inputs.read_file:\n" + "\n".join(unlisted)


def test_every_allowed_read_still_exists():
    used = {_allowed(name, line) for name, _, line in _reads()}
    assert not set(ALLOWED) - used, "stale entries in ALLOWED"


@pytest.mark.parametrize("line, found", [
    ('data = path.read_text(encoding="utf-8")', True),
    ('with open(name) as f:', True),
    ('raw = Path(p).read_bytes()', True),
    ('text = sys.stdin.read()', True),
    ('signers.SimpleSigner.load(str(key), str(cert))', True),
    ('certs = load_certs_from_pemder([path])', True),
    ('certs = load_certs_from_pemder_data(data)', False),
    ('_open(uri, text)', False),
    ('def did_open(ls, params):', False),
])
def test_the_search_finds_what_it_should(line, found):
    assert bool(READS.search(line)) is found


# ------------------------------------------------------------------ each command that reads a user's file

ROOT = PACKAGE.parent
FACTORY = ROOT / "examples/zero-carbon-factory/four-stars.json"


def run(*args, **options):
    from click.testing import CliRunner
    from checker.interfaces.cli import main
    result = CliRunner().invoke(main, [str(a) for a in args], **options)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


@pytest.fixture
def fifo(tmp_path):
    import os
    path = tmp_path / "pipe"
    os.mkfifo(path)   # nobody writes to it: a reader that opens it plainly would wait forever
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from checker.outputs import signing
    key, cert = signing.keygen("Test signer")
    folder = tmp_path_factory.mktemp("keys")
    (folder / "key.pem").write_bytes(key)
    (folder / "key.pem").chmod(0o600)
    (folder / "cert.pem").write_bytes(cert)
    return folder / "key.pem", folder / "cert.pem"


@pytest.mark.parametrize("command", [
    ["schema", "{fifo}", "--scaffold"],
    ["sign", "{fifo}", "--key", "{key}", "--cert", "{cert}"],
    ["sign", FACTORY, "--key", "{fifo}", "--cert", "{cert}", "-o", "{tmp}/x.p7s"],
    ["sign", FACTORY, "--key", "{key}", "--cert", "{fifo}", "-o", "{tmp}/x.p7s"],
    ["verify", "{fifo}", "--cert", "{cert}"],
    ["verify", FACTORY, "--cert", "{fifo}"],
    ["verify", FACTORY, "--signature", "{fifo}", "--cert", "{cert}"],
    ["reproduce", "{fifo}", FACTORY],
    ["check", FACTORY, "--issuer", "{fifo}"],
    ["check", FACTORY, "--param", "@{fifo}"],
    ["fmt", "{fifo}"],
], ids=lambda c: " ".join(str(a).rsplit("/", 1)[-1] for a in c[:4]))
def test_a_fifo_in_place_of_a_file_is_refused_at_once(command, fifo, pair, tmp_path):
    given = {"fifo": fifo, "key": pair[0], "cert": pair[1], "tmp": tmp_path}
    result = run(*[str(a).format(**given) for a in command])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "x.p7s").exists()


def test_fmt_reads_at_most_the_limit_of_standard_input():
    from checker.inputs import DEFAULT_MAX_BYTES
    result = run("fmt", "-", input=b"#" * (DEFAULT_MAX_BYTES + 1))
    assert result.exit_code == 2
    assert f"<stdin>: expected at most {DEFAULT_MAX_BYTES} bytes, found more" in result.output


def test_a_parameter_file_is_hashed_as_it_was_read(tmp_path):
    import hashlib
    import json
    params = tmp_path / "params.yaml"
    params.write_bytes(b"gwp_vintage: AR6\n")
    result = run("check", FACTORY, "--param", f"@{params}", "--format", "json")
    recorded = json.loads(result.output)["parameters"]["gwp_vintage"]
    assert recorded["file_sha256"] == hashlib.sha256(b"gwp_vintage: AR6\n").hexdigest()


def test_the_language_server_never_waits_on_a_fifo(tmp_path):
    import os
    from checker.interfaces.lsp.analysis import Document
    os.mkfifo(tmp_path / "e.schema.json")
    os.mkfifo(tmp_path / "lib.rules")
    text = ('ruleset r { title "r" version "1" evidence "e.schema.json" }\n'
            'import "lib.rules" as lib\nlet x = 1\n')
    document = Document(tmp_path / "r.rules", text, check=False)
    assert document.schema == {} and document.libraries["lib"] is None
    assert "x" in document.items
