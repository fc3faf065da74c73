"""The click group of the `carbon-check` command, with its commands named in COMMANDS."""
from __future__ import annotations

import click

from ...version import __version__
from . import COMMANDS
from .common import EXIT_CODES_HELP, CommandGroup


@click.group(cls=CommandGroup, lazy_commands=COMMANDS, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="carbon-check")
def main():
    """Score applications against China's dual-carbon standards."""
