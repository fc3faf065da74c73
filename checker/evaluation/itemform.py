"""What writing a ruleset's item in a result needs that no application changes (its Form), worked out once per
item when first written (checker.evaluation.result writes the items)."""
from __future__ import annotations

from ..language.compile import ItemInfo
from .numbers import INDENT, display_suffix, format_number, formula_parts, json_text, key_text, unit_symbol

# Where items sit in a result: the indent (in steps of two spaces) of an item's opening brace.
DEPTH = {"requirement": 2, "value": 2, "criterion": 4, "grade-condition": 4}
DETAIL_KEYS = ("condition", "tier", "scale", "failure", "waiver", "missing")


class Form:
    """What writing an item needs that no application changes, worked out once per item of a ruleset and kept
    on its ItemInfo (`written`): for each input its memo key, name, type, unit and display suffix; the
    detail no application changes; a condition's verdicts (`verdicts`: status → the condition and its verdict,
    "`cond` holds"); a value's unit and formula split at the names it reads; a criterion's maximum as shown."""

    __slots__ = ("kind", "inputs", "details", "verdicts", "type", "unit", "suffix", "formula", "pieces", "slots",
                 "points_tail", "head", "points_key", "max_method", "value_key", "unit_text", "formula_text",
                 "inputs_key", "entries", "entry_end", "detail_texts", "static_details", "explanation_key", "end",
                 "table", "places", "own", "reads", "made")

    def __init__(self, about: ItemInfo, verdicts: dict):
        self.kind = about.kind
        # (memo key, name, type, unit, display suffix): within one evaluation a name read as one type reads
        # one value, so its display is worked out once per result.
        self.inputs = [((i.name, id(i.type)), i.name, i.type, unit_symbol(i.type), display_suffix(i.type))
                       for i in about.inputs]
        detail = about.detail
        self.details = [(key, detail[key]) for key in DETAIL_KEYS if key in detail]
        condition = detail.get("condition")
        self.verdicts = {status: f"`{condition}` {verdict}" for status, verdict in verdicts.items()}
        self.type = detail.get("type")
        self.unit, self.suffix = unit_symbol(self.type), display_suffix(self.type)
        self.formula = detail.get("formula")
        self.pieces, self.slots = [], []
        if self.formula is not None and about.inputs:
            # Each name followed by its value: the text around the names at even places, each name and a
            # space at odd ones, with the position of the input whose display follows it (the last of that
            # name, as a dict by name keeps).
            last = {name: at for at, (_, name, *_rest) in enumerate(self.inputs)}
            parts = formula_parts(self.formula, tuple(last))
            self.pieces = [part if at % 2 == 0 else part + " " for at, part in enumerate(parts)]
            self.slots = [(at, last[parts[at]]) for at in range(1, len(parts), 2)]
        self.points_tail = f" of {format_number(about.max)} points" if about.max is not None else None
        # The item's JSON text (`_item_text`) as orjson writes its dict with two-space indents where the item
        # sits in a result (`DEPTH`): the text before the status, what follows the status or a value, each
        # input entry's text around its value and display, each detail no application changes.
        depth = DEPTH[self.kind]
        inner, entry = depth + 1, depth + 2
        key, at = key_text, b",\n" + INDENT[inner]
        self.head = b"{" + key("id", about.id, inner)[1:] + (b"" if self.kind == "grade-condition" else
                                                             key("label", about.label, inner)
                                                             + key("cite", about.cite, inner)) + at + b'"status": '
        self.points_key = at + b'"points": '
        self.max_method = key("max", about.max, inner) + key("method", about.method, inner)
        self.value_key = at + b'"value": '
        self.unit_text = key("unit", self.unit, inner) + at + b'"display": '
        self.formula_text = key("formula", self.formula, inner)
        self.inputs_key = (at + b'"inputs": []', at + b'"inputs": [\n' + INDENT[entry], b",\n" + INDENT[entry],
                           b"\n" + INDENT[inner] + b"]")
        # each entry: text before its value, between value and display, after a number's display (the unit)
        self.entries = [(b"{" + key("name", name, entry + 1)[1:] + b",\n" + INDENT[entry + 1] + b'"value": ',
                         key("unit", unit, entry + 1) + b",\n" + INDENT[entry + 1] + b'"display": ',
                         json_text(suffix)[1:] + b"\n" + INDENT[entry] + b"}")
                        for _, name, _, unit, suffix in self.inputs]
        self.entry_end = b"\n" + INDENT[entry] + b"}"
        self.detail_texts = {name: key(name, value, inner) for name, value in self.details}
        self.static_details = b"".join(self.detail_texts.values())
        self.explanation_key, self.end = at + b'"explanation": ', b"\n" + INDENT[depth] + b"}"
        # Set by result._Templates: where the values it reads (and a value item's own) are in a result's slot
        # texts, those places as a set, and its templates by shape (see result._shape).
        self.table = self.places = self.own = self.reads = None
        self.made: dict = {}
