"""docs/diagnostics.md lists every diagnostic code the package emits, and no other."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMITTED = re.compile(r'(?:self\.error|self\.warn|Diagnostic|_unused)\(\s*"([a-z][a-z-]+)"')


def test_every_diagnostic_code_is_documented_with_an_example():
    emitted = set()
    for path in (ROOT / "checker").rglob("*.py"):
        emitted |= set(EMITTED.findall(path.read_text(encoding="utf-8")))
    text = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \| [a-z]", text, re.MULTILINE))
    assert len(emitted) > 40
    assert emitted == documented
