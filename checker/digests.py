"""SHA-256 digests, the same as hashlib's, without loading OpenSSL for the few that a fresh command takes.

Importing hashlib loads the OpenSSL library: about 4 ms, a twentieth of a fresh `carbon-check check`, which
takes seven digests (of its source files, cache entries, ruleset and evidence: some 180 kB). CPython's own
SHA-256 gives the same digests at a fifth of the speed, so a process uses it for its first FEW digests and
hashlib's from then on (a batch or a server hashes every application it scores).
"""
from __future__ import annotations

try:   # CPython's built-in SHA-256: the module _sha2 from Python 3.12 on, _sha256 before
    from _sha2 import sha256 as _built_in
except ImportError:
    try:
        from _sha256 import sha256 as _built_in
    except ImportError:   # another interpreter: hashlib's from the first digest
        _built_in = None

FEW = 64
_left = FEW if _built_in is not None else 0


def sha256(data: bytes = b""):
    """A new SHA-256 hash object of `data` (`update`, `digest`, `hexdigest`), as hashlib.sha256(data)."""
    global _left
    if _left:
        _left -= 1
        return _built_in(data)
    from hashlib import sha256 as by_openssl
    return by_openssl(data)
