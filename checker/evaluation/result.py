"""The Result of an evaluation: plain data, serialised to deterministic JSON.

Reports are views of `Result.to_dict()`; nothing there is recomputed. Numbers
are written as exact JSON numbers from their Decimal values.
"""
from __future__ import annotations

import re
from decimal import Decimal
from operator import attrgetter

import orjson

from ..language.compile import ItemInfo
from ..language.values import OUTSIDE, Failure, Missing
from .numbers import (INDENT, OPTIONS, OUTSIDE_DISPLAY, display_number, display_value, dumps, exact,
                      format_number, format_value, formula_parts, json_at, json_text, key_text, number_bytes,
                      number_texts, picker, plain, text_bytes, TRUTH_BYTES)
from ..digests import sha256
from ..records import Record
from .itemform import DEPTH, DETAIL_KEYS, Form
from .shared import owned, text_of
# The items and their statuses, as the evaluation, the gap and the reports import them from here.
from .items import (CLASSIFIED, ERROR, FAIL, GRADED, INCOMPLETE, INELIGIBLE, MET, MISSING, NOT_APPLICABLE,  # noqa: F401
                    NOT_GRADED, NOT_MET, PARTLY_MET, PASS, PASSED, WAIVED, GradeResult, ItemResult, Recorded)

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any

RESULT_SCHEMA = "https://carbon-check.example/schemas/result/1.5"
# 1.1: the parameters. 1.2: cites in both languages, the ruleset's status, `hypothetical` on what-if results,
# outcome `classified`. 1.3: a value that is missing but that nothing decided needed is `not_applicable`.
# 1.4: the gap's ranked `actions` and combined `plan` (checker.evaluation.advice). 1.5: the gap's advice as
# data (the words are the reports'), conditions named by reference, the plan the fewest changes found.
RESULT_VERSION = "1.5"

def _later(name: str) -> property:
    """A Result field that an evaluation works out only when first read (see Result)."""
    slot = "_" + name

    def get(self):
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)
        return getattr(self, slot)

    def put(self, value):
        get(self)  # what the evaluation had not yet put there would otherwise overwrite it
        setattr(self, slot, value)
    return property(get, put)


def _value_items(self) -> list:
    """The value items: made when first read (a result written from templates never reads them)."""
    if self._fill is not None:
        fill, self._fill = self._fill, None
        fill(self)
    unmade = self._unmade_values
    if unmade is not None:
        self._values, self._unmade_values = unmade[2](), None
    return self._values


def _put_value_items(self, value: list) -> None:
    _value_items(self)
    self._values = value


class Result(Record):
    """One application's result. The outcome, grade and score are decided when it is made; the items, sections,
    missing evidence, parameters and applicant are put together when first read (`fill`, given by the
    evaluation), and the evidence's SHA-256 is computed from `evidence_bytes` when first read: a batch that
    keeps only the outcome never pays for them."""

    __slots__ = ("ruleset", "tool", "date", "outcome", "grade", "provisional_grade", "score", "max_score",
                 "inconclusive", "gap", "hypothetical", "records", "_evidence", "_bytes", "_fill", "_applicant",
                 "_variant", "_requirements", "_sections", "_criteria", "_grades", "_values", "_missing", "_errors",
                 "_parameters", "_context", "_unmade_values")
    __match_args__ = ("ruleset", "evidence", "tool", "date", "applicant", "variant", "outcome", "grade",
                      "provisional_grade", "score", "max_score", "inconclusive", "requirements", "sections",
                      "criteria", "grades", "values", "missing", "errors", "parameters", "gap", "hypothetical")

    def __init__(self, ruleset: dict, evidence: dict | None, tool: dict, date: str | None, outcome: str,
                 grade: dict | None, provisional_grade: dict | None, score: Decimal | None,
                 max_score: Decimal | None, inconclusive: bool, *, applicant: dict | None = None,
                 variant: dict | None = None, requirements: list | None = None, sections: list | None = None,
                 criteria: list | None = None, grades: list | None = None, values: list | None = None,
                 missing: list | None = None, errors: list | None = None, parameters: dict | None = None,
                 gap: dict | None = None, hypothetical: dict | None = None, evidence_bytes: bytes | None = None,
                 fill=None, records=None):
        self._decide(ruleset, evidence, tool, date, outcome, grade, provisional_grade, score, max_score, inconclusive,
                     evidence_bytes, records, fill)
        # What the next grade needs (checker.evaluation.gap): filled in by Ruleset.evaluate(..., gap=True) only,
        # since it costs several evaluations.
        self.gap = gap
        # Set on a what-if result (`check --set`): {"changes": [{"pointer", "from", "to"}, ...]}. A real
        # evaluation has none, and its JSON has no such key.
        self.hypothetical = hypothetical
        self._applicant, self._variant, self._parameters = applicant, variant, parameters or {}
        self._requirements, self._sections, self._criteria = requirements, sections, criteria
        self._grades, self._values, self._missing, self._errors = grades, values, missing, errors

    @classmethod
    def decided(cls, ruleset: dict, evidence: dict | None, tool: dict, date: str | None, outcome: str,
                grade: dict | None, provisional_grade: dict | None, score: Decimal | None,
                max_score: Decimal | None, inconclusive: bool, evidence_bytes: bytes | None, records: tuple,
                fill) -> Result:
        """A result as an evaluation makes it: `fill` puts the rest together when first read (the same as
        `Result(…, evidence_bytes=…, records=…, fill=…)`, without matching a dozen keyword defaults)."""
        self = cls.__new__(cls)
        self._decide(ruleset, evidence, tool, date, outcome, grade, provisional_grade, score, max_score, inconclusive,
                     evidence_bytes, records, fill)
        return self

    def _decide(self, ruleset, evidence, tool, date, outcome, grade, provisional_grade, score, max_score,
                inconclusive, evidence_bytes, records, fill) -> None:
        """The fields decided when the result is made; the others empty until `fill` puts them together."""
        self.ruleset, self.tool, self.date, self.outcome = ruleset, tool, date, outcome
        self.grade, self.provisional_grade, self.score, self.max_score = grade, provisional_grade, score, max_score
        self.inconclusive, self.records, self._bytes, self._fill = inconclusive, records, evidence_bytes, fill
        self._evidence = evidence  # {"sha256": …}, or None until worked out from `evidence_bytes`
        self.gap = self.hypothetical = self._applicant = self._variant = self._requirements = \
            self._sections = self._criteria = self._grades = self._values = self._missing = self._errors = None
        self._parameters = {}
        # The value items not yet made: (the first one's ItemInfo, their statuses, what makes them), set by the
        # evaluation's `fill`. Only their statuses are needed to write them from a template (see _data).
        self._unmade_values = None
        # The evaluation's context, set with the items by the evaluation (`fill`): the values the items read,
        # written once per result into their templates (see _Templates). Never copied or pickled.
        self._context = None

    @property
    def evidence(self) -> dict:
        """{"sha256": …} of the evidence's bytes."""
        if self._evidence is None:
            self._evidence = {"sha256": sha256(self._bytes).hexdigest()}
            self._bytes = None
        return self._evidence

    @evidence.setter
    def evidence(self, value: dict) -> None:
        self._evidence = value

    applicant = _later("applicant")
    variant = _later("variant")
    requirements = _later("requirements")  # list[ItemResult]
    sections = _later("sections")  # list[dict]
    criteria = _later("criteria")  # list[ItemResult]
    grades = _later("grades")  # list[GradeResult]
    values = property(_value_items, _put_value_items)  # list[ItemResult]
    missing = _later("missing")  # list[dict]
    errors = _later("errors")  # list[dict]
    parameters = _later("parameters")  # name → value, unit, source, file_sha256

    def __getstate__(self) -> dict:
        """Everything, worked out (for copies and pickles: plain data only)."""
        self.evidence, self.applicant, self.values  # noqa: B018 (what reading them works out)
        for grade in self.grades:
            grade.conditions  # noqa: B018
        return {name: getattr(self, name) for name in self.__slots__ if name not in ("_context", "_unmade_values")}

    def __setstate__(self, state: dict) -> None:
        self._context = self._unmade_values = None
        for name, value in state.items():
            setattr(self, name, value)

    def to_dict(self) -> dict:
        """The result as JSON data that shares no dict or list with other results (their tool, ruleset and
        parameters records, the ruleset's labels and cites are copied): changing it changes no other result."""
        return self._data(False)

    def to_json(self) -> str:
        return self.to_json_bytes().decode()

    def to_json_bytes(self) -> bytes:
        """`to_json()` as the UTF-8 bytes a file holds: what writers of files take (nothing decoded and encoded
        again)."""
        return orjson.dumps(self._data(True), default=exact, option=OPTIONS)

    def _data(self, text: bool) -> dict:
        """The result as JSON data; with `text` each list of items is already JSON text (an orjson.Fragment
        written as it is), made from templates or from pieces each ruleset item keeps (see _Templates, Form)."""
        # Many items read the same values (a let, an evidence field): each is written once per result, and the
        # items that read it share its entry.
        shown: dict = {}
        items = _items_text if text else _items_data
        by_section: dict = {}
        for c in self.criteria:   # the first read puts the result's items together (see Result); the rest read them
            by_section.setdefault(c.about.section, []).append(c)
        if text and self._context is not None:
            shown[None] = _Templates.texts(self)
        data = {
            "$schema": RESULT_SCHEMA,
            "result_version": RESULT_VERSION,
            "tool": text_of(self.tool) if text else owned(self.tool),
            "date": self.date,
            "ruleset": text_of(self.ruleset) if text else owned(self.ruleset),
            "evidence": self.evidence,
            "parameters": text_of(self._parameters) if text else owned(self._parameters),
            "applicant": self._applicant,
            "variant": self._variant,
            "outcome": self.outcome,
            "grade": self.grade if text else owned(self.grade),
            "provisional_grade": self.provisional_grade if text else owned(self.provisional_grade),
            "score": self.score,
            "max_score": self.max_score,
            "inconclusive": self.inconclusive,
            "requirements": items(self._requirements, shown),
            "sections": [{**(s if text else owned(s)), "criteria": items(by_section.get(s["id"], ()), shown)}
                         for s in self._sections],
            "grades": [
                {"id": g.id, "label": g.label if text else owned(g.label), "cite": g.cite if text else owned(g.cite),
                 "status": g.status, "conditions": _unmade_text(g.unmade, shown) or items(g.conditions, shown)}
                for g in self._grades
            ],
            "values": _unmade_text(self._unmade_values, shown) or items(self.values, shown),
            "missing": self._missing,
            "errors": self._errors,
            "gap": self.gap if text else owned(self.gap),
        }
        if self.hypothetical is not None:
            data["hypothetical"] = self.hypothetical
        return data


def _form(about: ItemInfo) -> Form:
    form = about.written
    if form is None:
        form = about.written = Form(about, _VERDICTS)
    return form


def _items_data(items, shown: dict) -> list[dict]:
    return [_item(item, shown) for item in items]


def _items_text(items, shown: dict) -> orjson.Fragment:
    """A list of items as the JSON text orjson writes for `_items_data(items)` where the list sits in a result.
    `shown`: by depth, the inputs already written in this result (see _item_text)."""
    if not items:
        return _EMPTY_LIST
    depth = DEPTH[items[0].about.kind]
    slots = shown.get(None)
    whole = None if slots is None else _Templates.whole(items, slots, depth)
    if whole is not None:
        return whole
    memo = shown.get(depth)
    if memo is None:
        memo = shown[depth] = {}
    between = b",\n" + INDENT[depth]
    parts = [b"[\n" + INDENT[depth]]
    if slots is None:
        for item in items:
            _item_text(item, memo, parts)
            parts.append(between)
    else:
        # Most items come out in a common way (a condition holds or not, a value worked out, points given) and
        # read only values a template shows: their text is their template filled with this result's slot texts.
        texts = slots[0]
        criteria = items[0].about.kind == "criterion"
        for item in items:
            made = _made(item, slots)
            if made is None:
                _item_text(item, memo, parts)
            else:
                if criteria:  # its points into slots 0 and 1: as written, as shown
                    texts[0:2] = number_bytes(item.points)
                text = made[0].copy()
                text[1::2] = made[1](texts)
                parts += text
            parts.append(between)
    parts[-1] = b"\n" + INDENT[depth - 1] + b"]"
    return orjson.Fragment(b"".join(parts))


def _unmade_text(unmade: tuple | None, shown: dict) -> orjson.Fragment | None:
    """The value items' or a grade's conditions' list written from its template, found by their statuses, without
    making the items; None if they are made (or there is no such template yet: then they are made and written as
    other lists)."""
    slots = shown.get(None)
    if unmade is None or slots is None:
        return None
    first = unmade[0].written
    table = first.table if first is not None else None
    reads = table.list_reads.get(first) if table is not None else None
    key = reads is not None and _Templates.key(first, tuple(unmade[1]), reads, slots)
    made = table.lists.get(key) if key else None
    if made is None:
        return None
    text = made[0].copy()
    text[1::2] = made[1](slots[0])
    return orjson.Fragment(b"".join(text))


def _made(item: ItemResult, slots: tuple):
    """The template of `item` and what fills it (see _Templates.make), made when first needed; None if it has none."""
    texts, hidden, odd, outside, unusual = slots
    form = item.about.written
    if unusual and not unusual.isdisjoint(form.reads):
        return _unusual(item, form, texts, hidden, odd, outside)
    shape = _shape(item) if form.kind == "criterion" else item.status
    made = form.made.get(shape, _UNMADE)
    if made is _UNMADE:
        made = form.made[shape] = _Templates.make(item, form, shape, texts, _NONE, _NONE)
    return made


def _unusual(item: ItemResult, form: Form, texts: list, hidden: set, odd: set, outside: set):
    """The template of an item that reads an unknown value, one outside its boundary or one no template shows;
    None if it has none."""
    if item.status == NOT_APPLICABLE and form.kind != "value":  # it read nothing
        unseen = beyond = _NONE
    elif odd.isdisjoint(form.reads):
        unseen, beyond = form.reads & hidden, form.reads & outside
    else:
        return None
    shape = _shape(item)
    shape = (shape, unseen, beyond) if shape is not None else None
    made = form.made.get(shape, _UNMADE)
    if made is _UNMADE:
        if len(form.made) >= _MOST_SHAPES:  # evidence missing in ever new ways: the rest from pieces
            return None
        made = form.made[shape] = _Templates.make(item, form, shape, texts, unseen, beyond)
    return made


def _shape(item: ItemResult):
    """What, besides the values it reads and its points, makes an item's text: its status, and a tier's number
    (a criterion's own detail otherwise never changes for a status, or is `capped`, which has no template)."""
    own = item._own
    if own is None or "value" in own or "when" in own or "scale" in own:
        return item.status
    tier = own.get("tier")
    return (item.status, tier["number"]) if tier is not None else None


# The statuses written from templates: their texts change only with the values read (and a criterion's points).
_TEMPLATED = {"requirement": (PASS, FAIL, NOT_APPLICABLE), "grade-condition": (MET, NOT_MET),
              "value": ("ok", NOT_APPLICABLE),  # not applicable: outside its boundary
              "criterion": (MET, PARTLY_MET, NOT_MET, NOT_APPLICABLE)}
_MARK = 0xE000  # private-use code points stand for slot texts while a template is made
_MARKS = re.compile("([\ue000-\uf8ff])")


class _Templates:
    """Each ruleset item's text for a common status (see _TEMPLATED), kept as a template: a list of its UTF-8
    pieces with a gap (None) at every odd place for each value it shows, filled per result (`text[1::2] =`)
    from one list of slot texts made once per result, in which each value the ruleset's items read has two
    places (its JSON text, its display escaped in a JSON string) and places 0 and 1 take a criterion's points
    (written and shown). A list of items is written from one template too, its items' joined (`whole`)."""

    __slots__ = ("sources", "places", "suffixed", "lists", "list_reads")

    def __init__(self, items: list[ItemResult]):
        self.sources, self.places, self.suffixed = [], {}, set()
        self.lists: dict = {}  # by (a list's first form, its items' shapes…), its template
        self.list_reads: dict = {}  # by a list's first form, what its items read
        for item in items:  # every item of the ruleset
            form = _form(item.about)
            form.places = [self.place(i.let, i.name, i.get, spec[4]) for i, spec in zip(item.about.inputs,
                                                                                       form.inputs)]
            form.own = self.place(item.about.id, None, None, form.suffix) if form.kind == "value" else None
            form.reads = frozenset(form.places + ([] if form.own is None else [form.own]))
            form.table, form.made = self, {}

    def place(self, let: str | None, name: str, get, suffix: str) -> int:
        """The number of a value read by items (a let by its name, evidence or a parameter by how it is read)."""
        key = (let, None) if let else (None, name)
        at = self.places.get(key)
        if at is None:
            at = self.places[key] = len(self.sources)
            self.sources.append((let, get))
        if suffix:  # shown with a unit after it: only a number fits its template
            self.suffixed.add(at)
        return at

    @staticmethod
    def texts(result: Result) -> tuple[list, set, set, set, set] | None:
        """The slot texts of a result; the numbers of its unknown values (missing or failed: not shown by a
        decided item), of the values no template shows (neither a number, a truth value nor a text), of those
        outside their boundary, and the three together."""
        items = (result.requirements or result.criteria or [c for g in result.grades for c in g.conditions]
                 or result.values)  # the value items last: they are made only when read
        if not items:
            return None
        table = _form(items[0].about).table
        if table is None:  # the first result of this ruleset written: it has every item of the ruleset
            table = _Templates(result.values + result.requirements + result.criteria
                               + [c for g in result.grades for c in g.conditions])
        ctx = result._context
        values, hidden, odd, outside, suffixed = ctx.values, set(), set(), set(), table.suffixed
        texts: list = [None, None]
        for at, value in enumerate([values[let] if let is not None else get(ctx) for let, get in table.sources]):
            kind = type(value)
            if kind is Decimal:
                texts += number_bytes(value)
            elif kind is bool and at not in suffixed:
                texts += TRUTH_BYTES[value]
            elif kind is str and at not in suffixed:
                texts += text_bytes(value)
            else:  # a template writes a value outside its boundary as it is always written
                (hidden if kind is Missing or kind is Failure else outside if value is OUTSIDE else odd).add(at)
                texts += (None, None)
        return texts, hidden, odd, outside, hidden | odd | outside

    @staticmethod
    def whole(items: list[ItemResult], slots: tuple, depth: int) -> orjson.Fragment | None:
        """A list of items as one template: its items' templates joined, made once for each combination of
        their shapes (and of the unknown values they read); None if an item has no template."""
        first = items[0].about.written
        table = first.table
        reads = table.list_reads.get(first)
        if reads is None:
            reads = table.list_reads[first] = frozenset().union(*[item.about.written.reads for item in items])
        criteria = first.kind == "criterion"
        key = _Templates.key(first, tuple(map(_shape, items)) if criteria else tuple(map(_STATUS, items)), reads,
                             slots)
        if key is None:
            return None
        lists, texts = table.lists, slots[0]
        made = lists.get(key, _UNMADE)
        if made is _UNMADE:
            if len(lists) >= _MOST_LISTS:
                return None
            made = lists[key] = _Templates.join(items, slots, depth, criteria)
        if made is None:
            return None
        if criteria:  # each one's points after the slot texts: as written, as shown
            texts = texts + [text for item in items for text in number_bytes(item.points)]
        text = made[0].copy()
        text[1::2] = made[1](texts)
        return orjson.Fragment(b"".join(text))

    @staticmethod
    def key(first: Form, shapes: tuple, reads: frozenset, slots: tuple) -> tuple | None:
        """What a list's template is kept by: its first item's form, its items' shapes and, if they read any,
        the unknown values and those outside their boundary; None if it reads a value no template shows."""
        _, hidden, odd, outside, unusual = slots
        if unusual and not unusual.isdisjoint(reads):
            if not odd.isdisjoint(reads):
                return None
            return first, shapes, reads & hidden, reads & outside
        return first, shapes

    @staticmethod
    def join(items: list[ItemResult], slots: tuple, depth: int, criteria: bool) -> tuple[list, Any] | None:
        """The template of a list of items, from theirs; a criterion's points (slots 0 and 1 of its template)
        go to two slots of its own after the result's slot texts."""
        template, order, static = [], [], b"[\n" + INDENT[depth]
        base = len(slots[0])
        for at, item in enumerate(items):
            made = _made(item, slots)
            if made is None:
                return None
            pieces, _, places = made
            static += (b",\n" + INDENT[depth] if at else b"") + pieces[0]
            for piece in pieces[2::2]:
                template += (static, None)
                static = piece
            order += [base + 2 * at + place if criteria and place < 2 else place for place in places]
        template.append(static + b"\n" + INDENT[depth - 1] + b"]")
        return template, picker(order)

    @staticmethod
    def make(item: ItemResult, form: Form, shape, texts: list, unseen: frozenset,
             beyond: frozenset) -> tuple[list, Any, list] | None:
        """The template of `item`'s shape, with what fills it from slot texts and the slots it takes in order;
        None if the shape has none. Made from this item, and checked: filled with this result's texts it must
        write what `_item_text` does.
        `unseen`: the places of the unknown values it does not show; `beyond`: of those outside their boundary
        (written as such, whatever their unit)."""
        status, kind, own = item.status, form.kind, item._own
        if (shape is None or status not in _TEMPLATED[kind] or (status in (FAIL, NOT_MET) and item.about.witnesses)
                or (kind == "value" and status == NOT_APPLICABLE and own.get("value") is not OUTSIDE)
                or 2 * len(form.table.sources) + 2 > 0x1900):  # more slots than private-use code points
            return None

        def value(at: int) -> bytes:  # a value's JSON text: its slot's mark
            return b"null" if at in beyond else chr(_MARK + 2 + 2 * at).encode()

        def shown(at: int, suffix: str) -> str:  # its display: its slot's mark and its unit
            return OUTSIDE_DISPLAY if at in beyond else chr(_MARK + 3 + 2 * at) + suffix
        parts = [form.head, _STATUSES.get(status) or json_text(status)]
        display = None
        if kind == "criterion":
            parts += (form.points_key, chr(_MARK).encode(), form.max_method)
        elif kind == "value":
            display = shown(form.own, form.suffix)
            parts += (form.value_key, value(form.own), form.unit_text, json_text(display), form.formula_text)
        # the inputs shown, by position: none for a requirement or criterion that does not apply (it read nothing)
        read = [] if status == NOT_APPLICABLE and kind != "value" else [
            n for n, at in enumerate(form.places) if at not in unseen]
        displays = [shown(form.places[n], form.inputs[n][4]) for n in read]
        entries = [form.entries[n][0] + value(form.places[n]) + form.entries[n][1] + json_text(text)
                   + form.entry_end for n, text in zip(read, displays)]
        empty, start, between, end = form.inputs_key
        parts.append(start + between.join(entries) + end if entries else empty)
        if own:
            static = form.detail_texts
            parts += [key_text(key, own[key], DEPTH[kind] + 1) if key in own else static[key]
                      for key in DETAIL_KEYS if key in own or key in static]
        else:
            parts.append(form.static_details)
        given = [f"{form.inputs[n][1]} = {text}" for n, text in zip(read, displays)]
        explained = _explanation(_StandIn(item), form, [(n, None) for n in read], displays, given, display)
        parts += (form.explanation_key, json_text(explained), form.end)
        pieces = _MARKS.split(b"".join(parts).decode())
        template = [piece.encode() if at % 2 == 0 else None for at, piece in enumerate(pieces)]
        order = [ord(mark) - _MARK for mark in pieces[1::2]]
        fill = picker(order)
        written: list = []
        _item_text(item, {}, written)
        if kind == "criterion":
            texts[0:2] = number_bytes(item.points)
        try:
            filled = template.copy()
            filled[1::2] = fill(texts)
            return (template, fill, order) if b"".join(filled) == b"".join(written) else None
        except (TypeError, IndexError, ValueError):  # a text of the ruleset held a private-use code point
            return None


class _StandIn:
    """An item as `_explanation` reads it, with its points shown as the mark of slot 1 (see _Templates.make)."""

    __slots__ = ("status", "_own", "about", "points", "failing")

    def __init__(self, item: ItemResult):
        self.status, self._own, self.about, self.failing = item.status, item._own, item.about, []
        self.points = _MarkedPoints(0)


class _MarkedPoints(Decimal):
    def __format__(self, spec: str) -> str:
        return chr(_MARK + 1)


_UNMADE = object()  # a shape whose template is not yet made
_MOST_LISTS = 1024  # list templates kept per ruleset (combinations of their items' shapes)
_STATUS = attrgetter("status")
_MOST_SHAPES = 64  # templates kept per item: each set of unknown values it leaves out has its own
_NONE: frozenset = frozenset()


def _item_text(item: ItemResult, shown: dict, parts: list) -> None:
    """Adds to `parts` the JSON text (UTF-8) of `_item(item)`, from the pieces its Form keeps. `shown`: (entry
    text, display, `name = display`, value) of each input already written at this depth of this result, by
    the name and type it was read as."""
    about = item.about
    form = about.written or _form(about)
    status, own, kind = item.status, item._own, form.kind
    parts += (form.head, _STATUSES.get(status) or json_text(status))
    display = None
    if kind == "criterion":
        points = item.points
        parts += (form.points_key, b"null" if points is None else number_texts(points)[0].encode(), form.max_method)
    elif kind == "value":
        value = own.get("value") if own else None
        if type(value) is Decimal:
            written, display = number_texts(value)
            display += form.suffix
            written = written.encode()
        else:
            display, written = format_value(value, form.type), json_at(plain(value), DEPTH[kind] + 1)
        parts += (form.value_key, written, form.unit_text, json_text(display), form.formula_text)
    entries, displays, given = [], [], []
    specs, pieces = form.inputs, form.entries
    values = item._values()
    for at, value in values:
        spec = specs[at]
        known = shown.get(spec[0])
        if known is None or known[3] is not value:
            before, between, unit_end = pieces[at]
            if type(value) is Decimal:  # mostly this application's own numbers, so not looked up in a cache
                written, text = number_texts(value)
                entry = b"".join((before, written.encode(), between, b'"', text.encode(), unit_end))
                text += spec[4]
            else:
                text = format_value(value, spec[2])
                entry = b"".join((before, json_at(plain(value), DEPTH[kind] + 3), between, json_text(text),
                                  form.entry_end))
            known = shown[spec[0]] = (entry, text, f"{spec[1]} = {text}", value)
        entries.append(known[0])
        displays.append(known[1])
        given.append(known[2])
    empty, start, between, end = form.inputs_key
    parts += (start + between.join(entries) + end) if entries else empty,
    if own:
        static = form.detail_texts
        for key in DETAIL_KEYS:
            if key in own:
                parts.append(key_text(key, own[key], DEPTH[kind] + 1))
            elif key in static:
                parts.append(static[key])
    else:
        parts.append(form.static_details)
    parts += (form.explanation_key, json_text(_explanation(item, form, values, displays, given, display)), form.end)


_EMPTY_LIST = orjson.Fragment(b"[]")
_STATUSES = {status: json_text(status) for status in (PASS, FAIL, MISSING, ERROR, WAIVED, NOT_APPLICABLE, MET,
                                                  PARTLY_MET, NOT_MET, "ok")}


def _item(item: ItemResult, shown: dict) -> dict:
    """One item as JSON data. `shown`: (entry, display, `name = display`, value) of each input already written
    in this result, by the name and type it was read as."""
    # Written for every item of every result: what no application changes comes from the item's Form.
    about = item.about
    form = _form(about)
    status, own, kind = item.status, item._own, form.kind
    if kind == "grade-condition":
        data = {"id": about.id, "status": status}
    else:
        data = {"id": about.id, "label": owned(about.label), "cite": owned(about.cite), "status": status}
    display = None
    if kind == "criterion":
        data["points"] = item.points
        data["max"] = about.max
        data["method"] = about.method
    elif kind == "value":
        value = own.get("value") if own else None
        display = display_value(value, form.type, form.suffix)
        data["value"] = plain(value)
        data["unit"] = form.unit
        data["display"] = display
        data["formula"] = form.formula
    entries, displays, given = [], [], []
    specs = form.inputs
    values = item._values()
    for at, value in values:
        spec = specs[at]
        known = shown.get(spec[0])
        if known is None or known[3] is not value:
            text = display_value(value, spec[2], spec[4])
            known = shown[spec[0]] = ({"name": spec[1], "value": plain(value), "unit": spec[3], "display": text},
                                      text, f"{spec[1]} = {text}", value)
        entries.append(known[0])
        displays.append(known[1])
        given.append(known[2])
    data["inputs"] = entries
    if own:
        static = about.detail
        for key in DETAIL_KEYS:
            if key in own:
                data[key] = own[key]
            elif key in static:
                data[key] = static[key]
    else:
        for key, text in form.details:
            data[key] = text
    data["explanation"] = _explanation(item, form, values, displays, given, display)
    return data


def value_display(item: ItemResult) -> str:
    """A computed value as read: `62.5%`, `800 tCO2e`."""
    return format_value(item.detail.get("value"), item.detail.get("type"))


def _substitute(form: Form, values, displays: list[str]) -> str:
    """The formula with each name it reads followed by its value: `offsets 500 tCO2e / residual 800 tCO2e`."""
    if not values:
        return form.formula
    if len(values) == len(form.inputs):  # every input shown: the split worked out with the form
        pieces = form.pieces.copy()
        for at, shown in form.slots:
            pieces[at] += displays[shown]
        return "".join(pieces)
    by_name = {form.inputs[at][1]: display for (at, _), display in zip(values, displays)}
    parts = list(formula_parts(form.formula, tuple(by_name)))
    for at in range(1, len(parts), 2):  # the names, between the texts around them
        parts[at] = f"{parts[at]} {by_name[parts[at]]}"
    return "".join(parts)


def explain(item: ItemResult) -> str:
    """One line saying how the item came out, with the values it used: the `explanation` of its JSON."""
    return _item(item, {})["explanation"]


def _explanation(item: ItemResult, form: Form, values, displays: list[str], given: list[str],
                 display: str | None) -> str:
    """One line saying how the item came out, with the values it used (`displays` and `given`, `name =
    display`, of each input shown; `display`: a value item's own)."""
    status, kind, own = item.status, form.kind, item._own
    if not own and (status in form.verdicts) and kind in ("requirement", "grade-condition"):
        # the common case: a condition that holds or not
        text = form.verdicts[status] + (f" ({'; '.join(given)})" if given else "")
        if status in (FAIL, NOT_MET):
            text += "".join([f"; {found}" for found in item.failing])
        return text
    about = item.about
    if kind == "value" and status not in _UNSHOWN:  # the other common case: a value worked out
        return f"{about.id} = {display} = {_substitute(form, values, displays)}"
    detail = {**about.detail, **own} if own else about.detail
    if status == WAIVED:
        return f"waived: {detail.get('waiver')}"
    if status == NOT_APPLICABLE and kind == "value" and detail.get("value") is OUTSIDE:
        return OUTSIDE_DISPLAY + (f": {detail['when']} does not hold" if "when" in detail else "")
    if status == NOT_APPLICABLE and kind == "value":
        return "not applicable: missing " + ", ".join(detail.get("missing", [])) + ", which nothing decided needs"
    if status == NOT_APPLICABLE:
        return f"not applicable: {detail.get('when')} does not hold"
    subject = f"`{detail['condition']}`: " if kind == "grade-condition" else ""
    if status == MISSING:
        return subject + "missing evidence: " + ", ".join(detail.get("missing", []))
    if status == ERROR:
        return subject + f"cannot be computed: {detail.get('failure')}"
    given = "; ".join(given)
    if kind == "criterion":
        points = display_number(item.points) + form.points_tail
        if about.method == "tiers":
            tier = detail.get("tier")
            reason = f"`{tier['condition']}` holds" if tier and tier.get("condition") else (
                "no other tier applies" if tier else "no tier applies")
            return f"{points}: {reason}" + (f" ({given})" if given else "")
        if about.method == "scale":
            scale = detail["scale"]
            return f"{points} on the scale from {scale['from']} to {scale['to']} ({given})"
        if about.method == "assessed":
            return f"{points} recorded by the auditor ({given})"
        capped = detail.get("capped")
        if capped:
            points += f", capped from {format_number(capped['computed'])}"
        return points + (f" ({given})" if given else "")
    failing = "".join([f"; {text}" for text in item.failing]) if status in (FAIL, NOT_MET) else ""
    return f"`{detail.get('condition')}` {_VERDICTS.get(status, status)}" + (f" ({given})" if given else "") + failing


_UNSHOWN = (WAIVED, NOT_APPLICABLE, MISSING, ERROR)  # statuses whose explanation shows no values
_VERDICTS = {PASS: "holds", FAIL: "does not hold", MET: "holds", NOT_MET: "does not hold"}


