"""The `carbon-check` command: a thin layer over the public API, one module per group of commands.

Exit codes: 0 graded (for `validate`: valid; for `lint`: no errors); 1 evaluated but not graded,
ineligible or incomplete; 2 invalid input (evidence or ruleset); 3 an internal fault.
"""
from __future__ import annotations

import click

from ...version import __version__
from .common import EXIT_CODES_HELP, CommandGroup

# Each command: the module (relative to this package) and the function that defines it.
COMMANDS = {
    "check": ".scoring:check",
    "validate": ".scoring:validate",
    "gap": ".scoring:gap_command",
    "init": ".scoring:init",
    "batch": ".batch:batch",
    "rulesets": ".authoring:rulesets",
    "lint": ".authoring:lint",
    "test": ".authoring:run_cases",
    "schema": ".authoring:schema",
    "diff": ".authoring:diff_command",
    "convert": ".selfcheck:convert",
    "serve": ".selfcheck:serve",
    "fmt": ".editing:fmt",
    "lsp": ".editing:lsp",
    "reproduce": ".signing:reproduce",
    "keygen": ".signing:keygen",
    "sign": ".signing:sign",
    "verify": ".signing:verify",
}


@click.group(cls=CommandGroup, lazy_commands=COMMANDS, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="carbon-check")
def main():
    """Score applications against China's dual-carbon standards."""
