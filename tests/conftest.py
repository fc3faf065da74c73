"""What the whole suite shares."""
from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]  # to run pytest on a folder of its own (the ruleset-cases plugin's tests)


def pytest_configure(config):
    # rulesets/*.cases.yaml are collected by the package's own pytest plugin: without it they would be
    # skipped silently.
    if not config.pluginmanager.has_plugin("carbon-check"):
        raise pytest.UsageError("install the package (pip install -e '.[test]') so that its pytest plugin "
                                "runs the rulesets' cases")
