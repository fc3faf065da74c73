"""The `carbon-check` command: a thin layer over the public API, one module per group of commands.

Exit codes: 0 graded (for `validate`: valid; for `lint`: no errors); 1 evaluated but not graded,
ineligible or incomplete; 2 invalid input (evidence or ruleset); 3 an internal fault.
"""
from __future__ import annotations

import sys

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


def run() -> None:
    """The `carbon-check` program: a plain `check … --format json` without click (see .plain), any other
    command line through the click group `main`."""
    import gc
    from .plain import plain_check
    # A plain check is one short run whose garbage is nearly all freed as it goes: the cyclic collector's
    # passes over everything it imports and builds (4% of its instructions) would find next to nothing.
    gc.disable()
    code = plain_check(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    gc.enable()
    from .group import main
    main()


def __getattr__(name: str):
    """`main`, the click group (in .group), imported when first asked for: click is not needed before."""
    if name == "main":
        from .group import main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
