"""checker.digests: the same SHA-256 digests as hashlib's, from CPython's own SHA-256 and after the switch."""
from __future__ import annotations

import hashlib

import pytest

from checker import digests


@pytest.mark.parametrize("left", [digests.FEW, 1, 0])
def test_the_digests_are_hashlibs(left, monkeypatch):
    monkeypatch.setattr(digests, "_left", left)
    for data in (b"", b"abc", bytes(range(256)) * 1000):
        made = digests.sha256(data)
        made.update(b"and more")
        assert made.hexdigest() == hashlib.sha256(data + b"and more").hexdigest()
        assert made.digest() == hashlib.sha256(data + b"and more").digest()
    assert digests._left == max(left - 3, 0)


def test_a_fresh_process_takes_its_first_digests_without_openssl():
    assert digests._built_in is not None   # CPython 3.11 and later have their own
