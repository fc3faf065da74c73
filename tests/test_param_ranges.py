"""Every shipped parameter declares the values it may take, and every way of supplying one is checked.

The ranges are the definitional domain only (a share in [0%, 100%], a price or a benchmark >= 0), never a
threshold of a standard; a value outside is refused wherever it comes from: `--param`, `--param @FILE`, a
test case, `check --set`, `gap`, `batch`, and the defaults (checked when the ruleset loads, which covers the
web form: it evaluates with the defaults).
"""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.interfaces.cli import main
from checker.resources import resource_dir

ROOT = Path(__file__).resolve().parent.parent
RULESETS = sorted(resource_dir("rulesets").glob("*.rules"))
# Free-text parameters holding a date or a word (`not_in_force`): no set of values can list them; a text that
# is not a date becomes an error value naming the parameter when the ruleset reads it.
FREE_TEXT = {"ev_delegated_act_in_force", "performance_class_from", "max_threshold_from"}
REDUCED = ROOT / "examples/reduced-carbon-product"
CBAM = ROOT / "examples/cbam"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _declared(path):
    ruleset = load_ruleset(path)
    return [(name, ruleset.program.allowed.get(name)) for name in ruleset.program.params]


@pytest.mark.parametrize("path", RULESETS, ids=lambda p: p.stem)
def test_every_shipped_parameter_declares_what_it_may_take(path):
    unbounded = [name for name, check in _declared(path) if check is None and name not in FREE_TEXT]
    assert not unbounded


@pytest.mark.parametrize("ruleset, name, value, message", [
    ("reduced-carbon-product", "min_reduction", "950%", "must be in [0%, 100%], got 950%"),
    ("reduced-carbon-product", "min_reduction", "-5%", "must be in [0%, 100%], got -5%"),
    ("cbam", "ets_price", "-0.01 EUR/tCO2e", "must be >= 0 EUR/tCO2e, got -0.01 EUR/tCO2e"),
    ("cbam", "free_allocation_factor", "100.5%", "must be in [0%, 100%], got 100.5%"),
    ("zero-carbon-park", "clean_energy_min", "-1%", "must be in [0%, 100%], got -1%"),
    ("zero-carbon-factory", "gwp_vintage", "AR7", 'must be one of "SAR", "AR4", "AR5", "AR6", got \'AR7\''),
    ("zero-carbon-factory", "grid_factor_before_2021", "-0.5 tCO2/MWh", "must be >= 0 tCO2/MWh"),
    ("zero-carbon-factory", "reference.standard_coal_heat", "0 kJ/kgce", "must be > 0 kJ/kgce, got 0 kJ/kgce"),
    ("us-clean-competition-act", "start_year", "1999", "must be >= 2022, got 1999"),
    ("us-clean-competition-act", "baseline_share", "101%", "must be in [0%, 100%], got 101%"),
    ("dual-control-region", "ndc_2035_min_reduction", "-7%", "must be in [0%, 100%], got -7%"),
])
def test_a_value_outside_the_domain_is_refused(ruleset, name, value, message):
    with pytest.raises(ValueError) as error:
        load_ruleset(resource_dir("rulesets") / f"{ruleset}.rules").parameters({name: value})
    assert str(error.value).startswith(f"parameter '{name}' {message}")


@pytest.mark.parametrize("ruleset, name, value", [
    ("reduced-carbon-product", "min_reduction", "0%"),
    ("reduced-carbon-product", "min_reduction", "100%"),
    ("cbam", "ets_price", "0 EUR/tCO2e"),
    ("zero-carbon-factory", "gwp_vintage", "AR6"),
    ("us-clean-competition-act", "start_year", "2022"),
    ("zero-carbon-factory", "reference.standard_coal_heat", "0.001 kJ/kgce"),
])
def test_the_ends_of_the_domain_are_accepted(ruleset, name, value):
    assert name in load_ruleset(resource_dir("rulesets") / f"{ruleset}.rules").parameters({name: value})


def _refused(result, message="parameter 'min_reduction' must be in [0%, 100%], got 950%"):
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_command_line_refuses_it():
    _refused(run("check", REDUCED / "passed.json", "--param", "min_reduction=950%"))


def test_a_parameter_file_refuses_it(tmp_path):
    (tmp_path / "p.yaml").write_text("min_reduction: -5\n", encoding="utf-8")
    _refused(run("check", REDUCED / "passed.json", "--param", f"@{tmp_path / 'p.yaml'}"),
             "parameter 'min_reduction' must be in [0%, 100%], got -5%")


def test_what_if_refuses_it():
    _refused(run("check", REDUCED / "passed.json", "--set", "/footprints/current/value=2.25",
                 "--param", "min_reduction=950%"))


def test_gap_refuses_it():
    _refused(run("gap", REDUCED / "passed.json", "--param", "min_reduction=950%"))


def test_batch_refuses_it_before_any_work(tmp_path):
    _refused(run("batch", REDUCED, "--ruleset", "reduced-carbon-product", "--out", tmp_path / "out",
                 "--param", "min_reduction=950%"))
    assert not list(tmp_path.glob("out/*.json"))


def test_a_test_case_refuses_it(tmp_path):
    cases = tmp_path / "r.cases.yaml"
    cases.write_text(f"ruleset: {resource_dir('rulesets') / 'reduced-carbon-product.rules'}\n"
                     f"base: {REDUCED / 'passed.json'}\n"
                     "cases:\n  - name: out of range\n    params: {min_reduction: 950}\n"
                     "    expect: {outcome: passed}\n", encoding="utf-8")
    result = run("test", cases)
    assert result.exit_code == 2, result.output  # a case that cannot run
    assert "parameter 'min_reduction' must be in [0%, 100%], got 950%" in result.output


def test_a_value_inside_still_scores():
    result = run("check", CBAM / "certificates-due-steel.json", "--param", f"@{CBAM / 'params.yaml'}",
                 "--param", "free_allocation_factor=0%", "--format", "json")
    assert json.loads(result.output)["parameters"]["free_allocation_factor"]["value"] == 0
