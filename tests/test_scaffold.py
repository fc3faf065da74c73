"""`schema --scaffold` writes a starting schema that follows the conventions; lint checks a ruleset's schema
and what nothing uses; a missing schema is one error."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from checker import load_ruleset
from checker.evidence.conventions import convention_problems
from checker.interfaces.cli import main
from checker.language.diagnostics import RulesetError
from checker.language.parse import parse
from checker.tools.lint_usage import lint_schema, lint_unused
from checker.tools.scaffold import scaffold

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.rules"))

RULES = """\
ruleset small {
  title "小" en "Small"
  version "1"
  evidence "small.schema.json"
}
param limit "限值" en "Limit" in tCO2e default 100 tCO2e
param unused_param "未用" en "Unused" default 1
function heading(code: text) = substring(code, 1, 4)
function never(x: number) = x
let total "合计" en "Total" in tCO2e = sum(s.co2e for s in evidence.sources) + (evidence.heat ?? 0 tCO2e)
let share "占比" en "Share" in % = evidence.renewable_share
let scratch = 1
variant evidence.kind { "I" "一" en "one" "II" "二" en "two" }
require R1 "合法" en "Legal": evidence.legal and heading(evidence.code) == "7208"
require R2 "日期" en "Date" when evidence.flag: days_between(evidence.start, date("2025-01-01")) >= 0
"""


def test_the_scaffold_reads_types_units_and_requirements_from_use():
    schema = scaffold(parse(RULES, "small.rules"))
    properties = schema["properties"]
    assert properties["sources"]["items"]["properties"]["co2e"]["x-unit"] == "tCO2e"
    assert properties["heat"]["x-unit"] == "tCO2e"
    assert properties["renewable_share"]["x-unit"] == "%"
    assert properties["kind"]["enum"] == ["I", "II"]
    assert properties["legal"]["type"] == "boolean"
    assert properties["code"]["type"] == "string"
    assert properties["start"]["format"] == "date"
    # Read unconditionally (a `when` itself is): required; under `when`, `??`, or the right of `and`: not.
    assert schema["required"] == ["flag", "kind", "legal", "renewable_share", "sources"]
    assert convention_problems(schema) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_ruleset_scaffolds_a_schema_that_follows_the_conventions(path):
    schema = scaffold(parse(path.read_text(encoding="utf-8"), path.name))
    Draft202012Validator.check_schema(schema)
    assert convention_problems(schema) == []


# cbam, dual-control-project and dual-control-region multiply or divide two evidence values whose units no
# other use settles (`evidence.goods.electricity * evidence.emissions.electricity`): those stay "1".
LOADS_WITH_ITS_SCAFFOLD = ["carbon-market", "carbon-neutral", "dual-control-enterprise", "eu-battery-footprint",
                           "low-carbon-product", "product-carbon-footprint-label", "reduced-carbon-product",
                           "us-clean-competition-act", "zero-carbon-factory", "zero-carbon-park"]


@pytest.mark.parametrize("name", LOADS_WITH_ITS_SCAFFOLD)
def test_a_ruleset_loads_with_its_scaffolded_schema(tmp_path, name):
    source = (ROOT / "rulesets" / f"{name}.rules").read_text(encoding="utf-8")
    shutil.copytree(ROOT / "rulesets" / "lib", tmp_path / "lib")
    result = CliRunner().invoke(main, ["schema", "--scaffold", str(ROOT / "rulesets" / f"{name}.rules"),
                                       "-o", str(tmp_path / "scaffold.json")])
    assert result.exit_code == 0, result.output
    header_end = source.index("}")
    head = source[:header_end]
    head = re.sub(r'evidence\s+"[^"]*"', 'evidence "scaffold.json"', head)
    (tmp_path / f"{name}.rules").write_text(head + source[header_end:], encoding="utf-8")
    assert load_ruleset(tmp_path / f"{name}.rules").schema == json.loads((tmp_path / "scaffold.json").read_text())


PRODUCTS = """\
ruleset products {
  title "积" en "Products"
  version "1"
  evidence "products.schema.json"
}
param price "价格" en "Price" in EUR/tCO2e default 80 EUR/tCO2e
param share "份额" en "Share" in % default 50%
table grid "电网因子" en "Grid factor" in tCO2e/MWh {
  2023: 0.57
  2024: 0.55
}
table factor "因子" en "Factor" in tCO2e/t columns "AR5" "AR6" {
  "CH4": 28 30
}
let embedded "隐含" en "Embedded" in tCO2e = evidence.mass * evidence.intensity
let cost "成本" en "Cost" in EUR = evidence.covered * price
let heat "热" en "Heat" in tCO2e = evidence.heat_energy * evidence.heat_factor * share
let power "电" en "Power" in tCO2e = evidence.power * grid[evidence.year]
let gas "气" en "Gas" in tCO2e = sum(e for s in evidence.sources let e = s.mass * factor[s.gas, evidence.vintage])
let ratio "比例" en "Ratio" in % = evidence.renewable / evidence.consumption
let per_unit "单位" en "Per unit" in tCO2e/t = evidence.total / evidence.output
require R1 "质量" en "Mass": evidence.mass <= 50 t and evidence.consumption >= 1 MWh and evidence.heat_energy > 0 GJ
require R2 "产量" en "Output": evidence.output >= 1 kt
"""


def test_the_scaffold_solves_units_through_products_and_quotients_and_keys_tables_by_their_rows():
    properties = scaffold(parse(PRODUCTS, "products.rules"))["properties"]
    units = {name: node.get("x-unit") for name, node in properties.items()}
    assert units["intensity"] == "tCO2e/t"      # tCO2e over the mass's t (settled by `<= 50 t`)
    assert units["covered"] == "tCO2e"          # EUR over the price's EUR/tCO2e
    assert units["heat_factor"] == "tCO2e/GJ"   # a share multiplies like 1
    assert units["power"] == "MWh"              # tCO2e over the table's tCO2e/MWh
    assert properties["year"]["type"] == "number"  # the grid's rows are years
    item = properties["sources"]["items"]["properties"]
    assert item["mass"]["x-unit"] == "t" and item["gas"]["type"] == "string"  # a text row key
    assert properties["vintage"]["type"] == "string"  # a column's name
    assert units["renewable"] == "MWh"          # a ratio in %: the same unit as the consumption
    assert units["total"] == "ktCO2e"           # tCO2e/t times the output's kt
    assert convention_problems(scaffold(parse(PRODUCTS, "products.rules"))) == []


def test_a_unit_the_rules_do_not_settle_stays_1():
    rules = PRODUCTS.replace("evidence.mass <= 50 t and ", "")
    assert scaffold(parse(rules, "products.rules"))["properties"]["intensity"]["x-unit"] == "1"


def test_the_scaffold_loads_with_the_ruleset_it_was_made_from(tmp_path):
    (tmp_path / "products.schema.json").write_text(json.dumps(scaffold(parse(PRODUCTS, "products.rules"))),
                                                   encoding="utf-8")
    (tmp_path / "products.rules").write_text(PRODUCTS, encoding="utf-8")
    assert load_ruleset(tmp_path / "products.rules").id == "products"


def write(tmp_path, schema) -> Path:
    (tmp_path / "small.rules").write_text(RULES, encoding="utf-8")
    if schema is not None:
        (tmp_path / "small.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return tmp_path / "small.rules"


def test_a_missing_schema_is_one_error(tmp_path):
    with pytest.raises(RulesetError) as raised:
        load_ruleset(write(tmp_path, None))
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("schema", 'cannot find the evidence schema "small.schema.json"')]


def test_lint_names_what_nothing_uses_and_the_schema_conventions_missed(tmp_path):
    schema = scaffold(parse(RULES, "small.rules"))
    del schema["properties"]["renewable_share"]["x-unit"]
    schema["properties"]["legal"]["x-description-zh"] = "legal"
    ruleset = load_ruleset(write(tmp_path, schema))
    assert [(d.code, d.message) for d in lint_unused(ruleset)] == [
        ("unused-param", "parameter 'limit' is read by nothing"),
        ("unused-param", "parameter 'unused_param' is read by nothing"),
        ("unused-function", "function 'never' is called by nothing"),
        ("unused-let", "let 'scratch' is read by nothing and, with no label, shown to no reader"),
    ]
    assert [d.message for d in lint_schema(ruleset)] == [
        "the evidence schema departs from the conventions of docs/evidence.md in 2 places: "
        "/properties/legal: no x-description-zh in Chinese; "
        "/properties/renewable_share: a number needs x-unit (\"1\" when it has no unit)"]


def test_lint_names_an_import_nothing_reads_and_not_one_that_is_read(tmp_path):
    shutil.copytree(ROOT / "rulesets" / "lib", tmp_path / "lib")
    (tmp_path / "small.schema.json").write_text(json.dumps(scaffold(parse(RULES, "small.rules"))), encoding="utf-8")
    header_end = RULES.index("}") + 2
    unread = RULES[:header_end] + 'import "lib/reference.rules" as reference\n' + RULES[header_end:]
    (tmp_path / "small.rules").write_text(unread, encoding="utf-8")
    found = [(d.code, d.message, d.span.line) for d in lint_unused(load_ruleset(tmp_path / "small.rules"))]
    assert ("unused-import", "library 'reference' is imported but nothing of it is read", 6) in found
    read = unread.replace("param limit", 'let gwp "GWP" en "GWP" = reference.gwp100["CH4", "AR6"]\nparam limit')
    (tmp_path / "small.rules").write_text(read, encoding="utf-8")
    assert "unused-import" not in {d.code for d in lint_unused(load_ruleset(tmp_path / "small.rules"))}
