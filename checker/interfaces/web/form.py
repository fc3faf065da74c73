"""The evidence form of the web app: built from the ruleset's schema (`checker.evidence.fields.layout`, the
same groups the workbook has), and read back into evidence with the same typing rules as a spreadsheet.

Every input is named by the JSON pointer of its value (`/electricity/consumption`, `/emissions/direct/0/mass`),
so a problem's pointer finds its input. A unit choice is named `unit:` + the pointer (`unit:/x/*/mass` for a
table's column). What the person typed is kept as text and shown again beside its problem, never lost.
"""
from __future__ import annotations

import re

from ...catalogue import pair
from ...evidence.fields import ITEM, FieldError, Group, blank, layout, show, typed
from ...language import ast

UNIT = "unit:"
PARAM = "param:"   # a ruleset parameter's input: `param:` + its name, typed as the CLI's --param NAME=VALUE
EMPTY = "empty:"   # a list's "none" box: `empty:` + its pointer; ticked with no rows, the list is [] (not absent)
MAX_ROWS = 1000   # entries of one list a form may send
MAX_PARAMETERS = 100   # parameters one request may give (the shipped rulesets declare at most 7)


def table_pointer(group: Group, row: int, key: str) -> str:
    base = "/" + "/".join(group.pointer)
    return f"{base}/{row}" if key == ITEM else f"{base}/{row}/{key}"


def form_pointer(group: Group, key: str) -> str:
    return "".join("/" + part for part in group.pointer) + "/" + key


def unit_name(group: Group, key: str) -> str:
    return UNIT + (form_pointer(group, key) if group.kind == "form" else "/" + "/".join(group.pointer) + "/*/" + key)


def read_form(schema: dict, pairs: list[tuple[str, str]]) -> tuple[dict, dict[str, str], dict[str, tuple[str, str]]]:
    """Evidence from the submitted pairs; also the texts as typed (by pointer, list rows renumbered from 0,
    empty rows dropped) and the problems of values that could not be typed (pointer → (en, zh))."""
    given = {name: value for name, value in pairs}
    evidence: dict = {}
    texts: dict[str, str] = {name: value for name, value in given.items() if name.startswith((UNIT, EMPTY))}
    problems: dict[str, tuple[str, str]] = {}

    def put(target: dict, path: tuple[str, ...], field, text: str, unit: str | None, pointer: str) -> None:
        texts[pointer] = text
        if blank(text):
            return
        try:
            value = typed(text, field, unit or None)
        except FieldError as error:
            problems[pointer] = (error.en, error.zh)
            return
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    for group in layout(schema):
        target = evidence
        for part in group.pointer[:-1] if group.kind == "table" else group.pointer:
            target = target.setdefault(part, {})
        if group.kind == "form":
            for field in group.fields:
                put(target, field.path(), field, given.get(form_pointer(group, field.key), ""),
                    given.get(unit_name(group, field.key)), form_pointer(group, field.key))
            continue
        base = "/" + "/".join(group.pointer) + "/"
        rows = sorted({int(m.group(1)) for name in given for m in [re.match(re.escape(base) + r"(\d{1,6})(/|$)", name)]
                       if m})
        if len(rows) > MAX_ROWS:   # refused whole, never cut short
            problems[base.rstrip("/")] = pair("web", "too_many_rows", max=MAX_ROWS, count=len(rows))
            continue
        entries = []
        for row in rows:
            cells = {f.key: given.get(table_pointer(group, row, f.key), "") for f in group.fields}
            if all(blank(text) for text in cells.values()):
                continue
            entry: dict = {}
            for field in group.fields:
                put(entry, field.path() or ("",), field, cells[field.key], given.get(unit_name(group, field.key)),
                    table_pointer(group, len(entries), field.key))
            entries.append(entry.get("") if group.fields[0].key == ITEM else entry)
        if entries and EMPTY + base.rstrip("/") in given:
            problems[base.rstrip("/")] = pair("web", "rows_and_none")
        elif entries or EMPTY + base.rstrip("/") in given:   # "none" ticked: an empty list, not an absent one
            target[group.pointer[-1]] = entries
    _prune(evidence)
    if "ruleset" in schema.get("properties", {}):
        evidence = {"ruleset": schema["properties"]["ruleset"].get("const"), **evidence}
    return evidence, texts, problems


def _prune(node: dict) -> None:
    """Groups left empty are absent, as in a workbook."""
    for key in list(node):
        if isinstance(node[key], dict):
            _prune(node[key])
            if not node[key]:
                del node[key]


def texts_of(schema: dict, evidence: dict) -> dict[str, str]:
    """The form's texts for evidence (an upload, or a what-if): each value as a person would type it."""
    texts = {}
    for group in layout(schema):
        node = evidence
        for part in group.pointer:
            node = node.get(part) if isinstance(node, dict) else None
        if group.kind == "form":
            for field in group.fields:
                value = _at(node, field.path())
                if value is not None:
                    texts[form_pointer(group, field.key)] = show(value)
        elif isinstance(node, list):
            if not node:
                texts[EMPTY + "/" + "/".join(group.pointer)] = "on"
            for row, entry in enumerate(node):
                for field in group.fields:
                    value = _at(entry, field.path())
                    if value is not None:
                        texts[table_pointer(group, row, field.key)] = show(value)
    return texts


def _at(node, path: tuple):
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def view(schema: dict, lang: str, texts: dict[str, str], problems: dict[str, list[str]]) -> list[dict]:
    """What the form template shows: groups, their fields or rows, values typed, problems beside each."""
    groups = []
    for group in layout(schema):
        fields = [{"key": f.key, "label": f.label(lang), "description": f.description(lang), "unit": f.unit,
                   "units": f.unit_choices, "unit_name": unit_name(group, f.key),
                   "unit_value": texts.get(unit_name(group, f.key)) or f.unit, "choices": f.choices,
                   "required": f.required, "example": f.example, "numeric": f.kind in ("number", "integer"),
                   "name": form_pointer(group, f.key) if group.kind == "form" else None}
                  for f in group.fields]
        entry = {"kind": group.kind, "label": group.label(lang), "description": group.description(lang),
                 "pointer": "/" + "/".join(group.pointer), "fields": fields,
                 "empty_name": EMPTY + "/" + "/".join(group.pointer),
                 "empty": EMPTY + "/" + "/".join(group.pointer) in texts,
                 "problems": problems.get("/" + "/".join(group.pointer), []) if group.pointer else []}
        if group.kind == "form":
            for field in fields:
                field["value"] = texts.get(field["name"], "")
                field["problems"] = problems.get(field["name"], [])
        else:
            count = 1 + max([int(m.group(1)) for name in texts
                             for m in [re.match(re.escape(entry["pointer"]) + r"/(\d+)(/|$)", name)] if m],
                            default=0 if any(name.startswith(entry["pointer"] + "/") for name in texts) else -1)
            entry["rows"] = [[{"name": table_pointer(group, row, f.key),
                               "value": texts.get(table_pointer(group, row, f.key), ""),
                               "problems": problems.get(table_pointer(group, row, f.key), []) +
                               (problems.get(f"{entry['pointer']}/{row}", []) if f is group.fields[0] else [])}
                              for f in group.fields] for row in range(max(count, 1))]
        groups.append(entry)
    return groups


# ------------------------------------------------------------------------------------ parameters

def declared_parameters(rules) -> list[dict]:
    """What a ruleset lets its user set (the CLI's --param): name, label, unit, default, range or values."""
    found = []
    for name, param in rules.program.model.params.items():
        label = param.label or ast.Label(name)
        found.append({
            "name": name, "label": {"zh": label.zh, "en": label.en or label.zh}, "unit": param.unit,
            "default": _literal(param.default) if param.default is not None else None,
            "range": _range(param.range) if param.range is not None else None,
            "choices": [_literal(choice) for choice in param.choices] or None})
    return found


def _range(within: ast.Within) -> str:
    """`[0%, 100%]`, `>= 0 t`: as the ruleset writes the range."""
    lower, upper = within.lower, within.upper
    if lower is not None and upper is not None:
        return f"{'[' if within.lower_closed else '('}{lower.text}, {upper.text}{']' if within.upper_closed else ')'}"
    if lower is not None:
        return f"{'>=' if within.lower_closed else '>'} {lower.text}"
    return f"{'<=' if within.upper_closed else '<'} {upper.text}"


def _literal(expr) -> str:
    return expr.value if isinstance(expr, ast.String) else expr.text


def parameter_text(text: str, unit: str | None) -> str:
    """A value typed beside its unit, as the CLI's --param takes it: `80` beside EUR/tCO2e is `80 EUR/tCO2e`."""
    text = text.strip()
    if unit and re.fullmatch(r"[-+]?[0-9][0-9_]*(\.[0-9_]+)?([eE][-+]?[0-9]+)?", text):
        return text + ("" if unit == "%" else " ") + unit
    return text


def check_parameters(rules, given: dict[str, str], beside_units: bool = False) -> tuple[dict, dict[str, str]]:
    """Parameter texts by name, checked by the ruleset: the values, and every problem (in English) by name.

    `beside_units`: the texts were typed beside their unit (a form), so a bare number is in that unit."""
    declared = rules.program.model.params
    if len(given) > MAX_PARAMETERS:   # refused whole: a page of a million problems helps nobody
        return {}, {"": f"expected at most {MAX_PARAMETERS} parameters, found {len(given)}"}
    values, problems = {}, {}
    for name, text in given.items():
        try:
            if name not in declared:   # said here: the ruleset's own message would suggest names to guess at
                raise ValueError(f"ruleset {rules.id} has no parameter '{name[:100]}'")
            if beside_units:
                text = parameter_text(text, declared[name].unit)
            values.update(rules.parameters({name: text}))
        except ValueError as error:
            problems[name] = str(error)
    return values, problems


def named_values(pairs: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """`NAME=VALUE` texts, as the CLI's --param takes them, by name; and a problem for each without `=`."""
    if len(pairs) > MAX_PARAMETERS:
        return {}, {"": f"expected at most {MAX_PARAMETERS} parameters, found {len(pairs)}"}
    given, problems = {}, {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if sep:
            given[name.strip()] = value.strip()
        else:
            problems[name.strip()[:100]] = f"expected NAME=VALUE, got {pair[:100]!r}"
    return given, problems


def form_parameters(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The parameters a form sent, by name; a blank one is not given (the ruleset's default holds)."""
    return {field[len(PARAM):]: text.strip() for field, text in pairs if field.startswith(PARAM) and not blank(text)}


def parameters_view(rules, lang: str, given: dict[str, str], problems: dict[str, list[str]]) -> list[dict]:
    """What the form shows of each parameter: its input, label, unit, default, range or values, problems."""
    return [{**declared, "input": PARAM + declared["name"], "label": declared["label"][lang],
             "value": given.get(declared["name"], ""), "problems": problems.get(declared["name"], [])}
            for declared in declared_parameters(rules)]
