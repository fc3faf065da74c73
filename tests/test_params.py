"""Parameters: `--param NAME=VALUE`, `--param @FILE`, and values given with a unit."""
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.interfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
PARAM_FILES = sorted(ROOT.glob("examples/*/params.yaml"))
EXAMPLES = [(f, p) for p in PARAM_FILES for f in sorted(p.parent.glob("*.json"))]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("example,params", EXAMPLES, ids=lambda v: f"{v.parent.name}/{v.name}")
def test_examples_run_with_their_parameter_file(example, params):
    result = run("check", example, "--param", f"@{params}", "--format", "json", "--date", "2026-11-25")
    data = json.loads(result.output)
    assert not [m for m in data["missing"] if m["pointer"].startswith("param:")]
    for outcome in ("incomplete", "ineligible", "passed"):
        if example.stem.startswith(outcome):
            assert data["outcome"] == outcome
    assert result.exit_code == (0 if data["outcome"] in ("graded", "classified", "passed") else 1)


def test_a_value_on_the_command_line_wins_over_the_file(tmp_path):
    folder = ROOT / "examples/reduced-carbon-product"
    args = ["check", folder / "passed.json", "--param", f"@{folder / 'params.yaml'}", "--format", "json"]
    assert json.loads(run(*args).output)["outcome"] == "passed"
    failing = json.loads(run(*args, "--param", "min_reduction=50%").output)
    assert failing["outcome"] == "ineligible"


@pytest.mark.parametrize("content,message", [
    ("- a\n- b\n", "must be a mapping of parameter names to values"),
    ("a: [1\n", "params.yaml:2:1"),
])
def test_a_bad_parameter_file_is_a_usage_error(tmp_path, content, message):
    path = tmp_path / "params.yaml"
    path.write_text(content, encoding="utf-8")
    result = run("check", ROOT / "examples/reduced-carbon-product/passed.json", "--param", f"@{path}")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("given,expected", [("10%", "10"), ("0.1%", "0.1"), (" 12.5 % ", "12.5"),
                                            (Decimal("10"), "10")])
def test_a_parameter_may_carry_its_unit(given, expected):
    assert str(load_ruleset("reduced-carbon-product").parameters({"min_reduction": given})["min_reduction"]) == expected


@pytest.mark.parametrize("given,message", [
    ("10 tCO2e", "parameter 'min_reduction' is in %: tCO2e cannot be converted to %"),
    ("ten", "parameter 'min_reduction' must be a number, got 'ten'"),
    ("0.025", "parameter 'min_reduction' is in %: write the unit, e.g. 2.5% for the fraction 0.025, "
              "or 0.025% as written"),
])
def test_a_parameter_in_the_wrong_unit_is_refused(given, message):
    with pytest.raises(ValueError) as error:
        load_ruleset("reduced-carbon-product").parameters({"min_reduction": given})
    assert str(error.value) == message


def test_the_result_records_every_parameter_and_where_it_came_from(tmp_path):
    folder = ROOT / "examples/low-carbon-product"
    params = tmp_path / "benchmarks.yaml"
    params.write_bytes((folder / "params.yaml").read_bytes())
    import hashlib
    digest = hashlib.sha256(params.read_bytes()).hexdigest()
    data = json.loads(run("check", folder / "passed-cement.json", "--param", f"@{params}",
                          "--param", "benchmark_cement=0.5 tCO2e", "--format", "json").output)
    recorded = data["parameters"]
    assert set(recorded) == set(load_ruleset("low-carbon-product").program.params)
    assert recorded["benchmark_cement"] == {"value": 500, "unit": "kgCO2e", "source": "command line",
                                            "file_sha256": None}
    assert recorded["benchmark_tyres"]["source"] == "file"
    assert recorded["benchmark_tyres"]["file_sha256"] == digest


def test_defaults_and_absent_parameters_are_recorded_as_defaults():
    data = json.loads(run("check", ROOT / "examples/low-carbon-product/passed-cement.json", "--format", "json").output)
    assert data["parameters"]["benchmark_tyres"] == {"value": None, "unit": "kgCO2e", "source": "default",
                                                     "file_sha256": None}
    factory = json.loads(run("check", ROOT / "examples/zero-carbon-factory/four-stars.json", "--format", "json",
                             "--param", "gwp_vintage=AR6").output)["parameters"]
    assert factory["gwp_vintage"]["value"] == "AR6" and factory["gwp_vintage"]["source"] == "command line"
    assert factory["reference.standard_coal_heat"]["source"] == "default"
    assert factory["reference.standard_coal_heat"]["value"] == 29307.6


@pytest.mark.parametrize("declared, given, message", [
    ("in % in [0%, 100%]", "120%", "parameter 'p' must be in [0%, 100%], got 120%"),
    ("in % in [0%, 100%]", "-1%", "parameter 'p' must be in [0%, 100%], got -1%"),
    ("in % in [0%, 100%]", "0%", None),
    ("in % in [0%, 100%]", "100%", None),
    ("in t >= 0 t", "-0.001 t", "parameter 'p' must be >= 0 t, got -0.001 t"),
    ("in t >= 0 t", "0 t", None),
    ("in t > 0 t", "0 t", "parameter 'p' must be > 0 t, got 0 t"),
    ("in t > 0 t", "1 kg", None),
    ("in t <= 100 t", "100001 kg", "parameter 'p' must be <= 100 t, got 100.001 t"),
    ("in t < 100 t", "99999 kg", None),
])
def test_a_supplied_parameter_is_checked_against_its_range(tmp_path, declared, given, message):
    (tmp_path / "e.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "r.rules").write_text('ruleset r { title "r" version "1" evidence "e.schema.json" }\n'
                                      f'param p "量" en "Amount" {declared}\n', encoding="utf-8")
    ruleset = load_ruleset(tmp_path / "r.rules")
    if message is None:
        assert ruleset.parameters({"p": given})
        return
    with pytest.raises(ValueError) as error:
        ruleset.parameters({"p": given})
    assert str(error.value) == message


def test_a_text_parameter_takes_only_its_allowed_values(tmp_path):
    (tmp_path / "e.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "r.rules").write_text('ruleset r { title "r" version "1" evidence "e.schema.json" }\n'
                                      'param vintage "版本" en "Vintage" in {"AR5", "AR6"}\n', encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_ruleset(tmp_path / "r.rules").parameters({"vintage": "AR4"})
    assert str(error.value) == "parameter 'vintage' must be one of \"AR5\", \"AR6\", got 'AR4'"
