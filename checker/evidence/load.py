"""Strict loading and schema validation of untrusted evidence files.

Evidence comes from factories, so every way a file can be wrong must end as a
`Problem` (English + Chinese, JSON pointer, line/column when known) inside an
`EvidenceError`, never as a traceback.

Documented limits:
  * DEFAULT_MAX_BYTES  -- files larger than this are refused before being read.
  * DEFAULT_MAX_DEPTH  -- arrays/objects nested deeper than this are refused
    before json.loads (stdlib json and jsonschema recurse).
  * MAX_DIGITS / MAX_EXPONENT -- a number may have at most 40 significant
    digits and abs(adjusted decimal exponent) <= 100 (so 1e400 is refused).

Every JSON number becomes a `decimal.Decimal` (never a float).  For schema
type checks a Decimal with zero fractional part (e.g. 1.0) counts as an
"integer", as JSON Schema 2020-12 defines it; floats in the schema are
compared as Decimal(repr(float)) so that `minimum: 0.1` accepts 0.1.

Pointers are RFC 6901; a duplicate-key problem points at the object holding
the key and names the key in its message.
"""
from __future__ import annotations

import codecs
import functools
import json
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation, localcontext

from . import uscc
from .fastcheck import compile_check

from ..inputs import DEFAULT_MAX_BYTES, InputError, read_file
from ..pointer import format_pointer
from ..errors import CarbonCheckError

DEFAULT_MAX_DEPTH = 64
MAX_DIGITS = 40
MAX_EXPONENT = 100
_MAX_NUMBER_CHARS = 1000   # longer number literals are never turned into Decimals
_SHOW_CHARS = 60


@dataclass(frozen=True)
class Problem:
    pointer: str
    message_en: str
    message_zh: str
    line: int | None = None
    column: int | None = None
    cell: str | None = None   # in a spreadsheet: the cell, `能源!C7`

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en


class EvidenceError(CarbonCheckError):
    """Raised with every problem found; .source is the file name; .problems a list[Problem]."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, lang: str = "en") -> str:
        lines = []
        for p in self.problems:
            where = self.source
            if p.line is not None:
                where += f":{p.line}" + (f":{p.column}" if p.column is not None else "")
            if p.cell is not None:
                where += f": {_printable(p.cell)}"
            lines.append(f"{where}: {_printable(p.pointer) or '(document)'}: {p.message(lang)}")
        return "\n".join(lines)


# ---------------------------------------------------------------- helpers

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# A string token (possibly unterminated) or a bracket: strings are matched
# whole so brackets and constants inside them are skipped.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|(NaN|-?Infinity)', re.DOTALL)

_SYNTAX_ZH = {
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "此处应为逗号 ','",
    "Expecting ':' delimiter": "此处应为冒号 ':'",
    "Expecting property name enclosed in double quotes": "此处应为用双引号括起的属性名",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中含有未转义的控制字符",
    "Invalid \\escape": "无效的转义序列",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义序列",
    "Extra data": "JSON 值之后还有多余内容",
}


def _printable(text: str) -> str:
    # Pointers hold untrusted keys: keep control characters from forging output lines.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    # Same convention as json.JSONDecodeError: 1-based, characters, '\n' only.
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def _show(value) -> str:
    """Untrusted values are only ever shown repr-quoted and truncated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value[:_SHOW_CHARS]) + ("…" if len(value) > _SHOW_CHARS else "")
    if isinstance(value, (Decimal, int, float)):
        d = value if isinstance(value, Decimal) else Decimal(repr(value))
        text = format(d, "f") if d.is_finite() else str(d)
        return text if len(text) <= _SHOW_CHARS else text[:_SHOW_CHARS] + "…"
    return "an object" if isinstance(value, dict) else "an array" if isinstance(value, list) else "?"


def _found(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return "an object", "对象"
    if isinstance(value, list):
        return "an array", "数组"
    if isinstance(value, str):
        return f"the string {_show(value)}", f"字符串 {_show(value)}"
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return f"the number {_show(value)}", f"数字 {_show(value)}"
    return _show(value), _show(value)


# ---------------------------------------------------------------- loading

class _BadNumber:
    """Stands in for NaN/Infinity or an absurdly long literal so the post-pass can report its pointer."""

    def __init__(self, text: str):
        self.text = text


class _DupDict(dict):
    """An object with duplicate keys; keeps every pair so nothing escapes the post-pass."""
    pairs: list


def _pairs_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj = _DupDict(obj)
        obj.pairs = pairs
    return obj


def _number(text: str):
    if len(text) > _MAX_NUMBER_CHARS:
        return _BadNumber(text)
    try:
        return Decimal(text)
    except InvalidOperation:   # an exponent beyond what Decimal holds: 1e9999999999999999999
        return _BadNumber(text)


def _too_deep(text: str, max_depth: int) -> Problem | None:
    if text.count("[") + text.count("{") <= max_depth:
        return None
    depth = 0
    for m in _STRUCTURE.finditer(text):
        c = text[m.start()]
        if c in "[{":
            depth += 1
            if depth > max_depth:
                return Problem("", f"expected arrays/objects nested at most {max_depth} levels deep, "
                               f"found deeper nesting",
                               f"数组/对象的嵌套应不超过 {max_depth} 层，实际嵌套更深",
                               *_line_col(text, m.start()))
        elif c in "]}":
            depth -= 1
    return None


def _check_tree(root, strings: bool = True) -> list[Problem]:
    problems = []

    def add(path, en, zh):
        problems.append(Problem(format_pointer(path), en, zh))

    stack = [((), root)]
    while stack:   # iterative and in document order; paths become pointers only when needed
        path, node = stack.pop()
        if isinstance(node, dict):
            pairs = node.pairs if isinstance(node, _DupDict) else list(node.items())
            if isinstance(node, _DupDict):
                for key, n in Counter(k for k, _ in pairs).items():
                    if n > 1:
                        add(path, f"expected unique keys in the object, found key {key!r} {n} times",
                            f"对象中的键应唯一，实际键 {key!r} 出现了 {n} 次")
            for key, _ in pairs:
                if strings and _SURROGATE.search(key):
                    add(path + (key,), f"expected an object key of valid Unicode text, "
                                       f"found the key {key!r} containing an unpaired surrogate",
                        f"对象的键应为合法的 Unicode 文本，实际键 {key!r} 含有不成对的代理字符")
            stack.extend(reversed([(path + (k,), v) for k, v in pairs]))
        elif isinstance(node, list):
            stack.extend(reversed([(path + (i,), v) for i, v in enumerate(node)]))
        elif isinstance(node, str):
            if strings and _SURROGATE.search(node):
                add(path, f"expected a string of valid Unicode text, found {_show(node)} "
                          f"containing an unpaired surrogate",
                    f"字符串应为合法的 Unicode 文本，实际 {_show(node)} 含有不成对的代理字符")
        elif isinstance(node, _BadNumber) and node.text in ("NaN", "Infinity", "-Infinity"):
            add(path, f"expected a finite number, found {node.text}", f"应为有限的数字，实际为 {node.text}")
        elif isinstance(node, _BadNumber) and len(node.text) <= _MAX_NUMBER_CHARS:
            add(path, f"expected a number with a decimal exponent between -{MAX_EXPONENT} and {MAX_EXPONENT}, "
                      f"found {_show(node.text)}",
                f"数字的十进制指数应在 -{MAX_EXPONENT} 到 {MAX_EXPONENT} 之间，实际为 {_show(node.text)}")
        elif isinstance(node, _BadNumber):
            add(path, f"expected a number of at most {MAX_DIGITS} significant digits, "
                      f"found a number {len(node.text)} characters long",
                f"数字应不超过 {MAX_DIGITS} 位有效数字，实际数字长达 {len(node.text)} 个字符")
        elif isinstance(node, Decimal):
            digits, exponent = len(node.as_tuple().digits), node.adjusted()
            if digits > MAX_DIGITS:
                add(path, f"expected a number of at most {MAX_DIGITS} significant digits, found {digits} digits",
                    f"数字应不超过 {MAX_DIGITS} 位有效数字，实际为 {digits} 位")
            elif abs(exponent) > MAX_EXPONENT:
                add(path, f"expected a number with a decimal exponent between -{MAX_EXPONENT} and "
                          f"{MAX_EXPONENT}, found exponent {exponent}",
                    f"数字的十进制指数应在 -{MAX_EXPONENT} 到 {MAX_EXPONENT} 之间，实际为 {exponent}")
    return problems


def parse_evidence(data: bytes, source: str = "<evidence>", *,
                   max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> dict:
    def fail(*problems):
        raise EvidenceError(source, list(problems)) from None   # the decoder's own traceback is noise

    if len(data) > max_bytes:
        fail(Problem("", f"expected a file of at most {max_bytes} bytes, found {len(data)} bytes",
                     f"文件应不超过 {max_bytes} 字节，实际为 {len(data)} 字节"))
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = data[skip:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        start = body.rfind(b"\n", 0, e.start) + 1
        column = len(body[start:e.start].decode("utf-8", "replace")) + 1
        offset, byte = e.start + skip, body[e.start]
        fail(Problem("", f"expected UTF-8 text, found the invalid byte 0x{byte:02x} at byte offset {offset}",
                     f"应为 UTF-8 编码的文本，实际在字节偏移 {offset} 处发现无效字节 0x{byte:02x}",
                     body.count(b"\n", 0, e.start) + 1, column))
    if not text.strip(" \t\r\n"):
        fail(Problem("", "expected a JSON object, found an empty file", "应为 JSON 对象，实际文件为空"))
    deep = _too_deep(text, max_depth)
    if deep:
        fail(deep)
    try:
        obj = json.loads(text, parse_float=_number, parse_int=_number,
                         parse_constant=_BadNumber, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as e:
        zh = _SYNTAX_ZH.get(e.msg, e.msg)
        fail(Problem("", f"expected valid JSON, found a syntax error: {e.msg}",
                     f"应为合法的 JSON，实际存在语法错误：{zh}", e.lineno, e.colno))
    except RecursionError:   # only reachable if a caller raises max_depth very high
        fail(Problem("", "expected less deeply nested arrays/objects, found nesting too deep to parse",
                     "数组/对象的嵌套过深，无法解析"))

    problems = []
    if not isinstance(obj, dict):
        en, zh = _found(obj)
        problems.append(Problem("", f"the evidence must be a JSON object, found {en}",
                                f"证据必须是 JSON 对象，实际为{zh}"))
    # Strict UTF-8 decoding refused raw surrogates, so only a \\uD8xx-\\uDFxx escape can create one.
    problems += _check_tree(obj, strings=_SURROGATE_ESCAPE.search(text) is not None)
    # NaN/Infinity only appear outside strings as values, so the k-th one in the
    # text is the k-th one the document-order post-pass found.
    nonfinite = [i for i, p in enumerate(problems) if p.message_en.startswith("expected a finite number")]
    positions = [m.start(1) for m in _CONSTANT.finditer(text) if m.group(1)] if nonfinite else []
    if len(positions) == len(nonfinite):
        for i, pos in zip(nonfinite, positions):
            line, column = _line_col(text, pos)
            problems[i] = replace(problems[i], line=line, column=column)
    if problems:
        fail(*problems)
    return obj


def load_evidence(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[dict, bytes]:
    data = read_evidence_file(path, max_bytes=max_bytes)
    return parse_evidence(data, str(path), max_bytes=max_bytes, max_depth=max_depth), data


def read_evidence_file(path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of an evidence file (JSON or a workbook): a regular file of at most `max_bytes`."""
    source = str(path)
    try:
        return read_file(path, max_bytes=max_bytes, what=("an evidence file", "证据文件"))
    except InputError as error:
        raise EvidenceError(source, [Problem("", error.en, error.zh)]) from None


# ---------------------------------------------------------------- validation

@functools.lru_cache(maxsize=1)
def _validator_class():
    """jsonschema's Draft 2020-12 validator with exact decimal integers and multipleOf.

    Imported on first use: valid evidence passes the fast check and never needs it.
    """
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def is_integer(checker, instance) -> bool:
        if isinstance(instance, Decimal):
            return instance.is_finite() and instance == instance.to_integral_value()
        return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")

    def multiple_of(validator, divisor, instance, schema):
        # Exact decimal arithmetic; the stock keyword mixes floats with Decimals.
        if not validator.is_type(instance, "number"):
            return
        try:
            with localcontext(prec=1000):
                ok = Decimal(str(instance)) % Decimal(str(divisor)) == 0
        except ArithmeticError:   # quotient beyond any sane precision, or a zero divisor
            ok = False
        if not ok:
            yield ValidationError(f"{_show(instance)} is not a multiple of {_show(divisor)}")

    return validators.extend(
        Draft202012Validator, validators={"multipleOf": multiple_of},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer))


@functools.lru_cache(maxsize=1)
def format_checker():
    """The formats of Draft 2020-12, plus "uscc": a unified social credit code (GB 32100)."""
    from jsonschema import Draft202012Validator, FormatChecker
    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("uscc")(uscc.is_valid)
    return checker


_TYPE_NAMES = {"string": ("a string", "字符串"), "number": ("a number", "数字"), "integer": ("an integer", "整数"),
               "object": ("an object", "对象"), "array": ("an array", "数组"),
               "boolean": ("a boolean", "布尔值"), "null": ("null", "null")}
_COMPARE = {"minimum": ("greater than or equal to", "大于或等于"), "maximum": ("less than or equal to", "小于或等于"),
            "exclusiveMinimum": ("greater than", "大于"), "exclusiveMaximum": ("less than", "小于")}


def _decimalize(node):
    # Schema floats compared with evidence Decimals would compare binary values (0.1 != Decimal("0.1")).
    if isinstance(node, float):
        return Decimal(repr(node))
    if isinstance(node, dict):
        return {k: _decimalize(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimalize(v) for v in node]
    return node


def _problems_for(e: ValidationError) -> list[Problem]:
    ptr, kw, want, got = format_pointer(e.absolute_path), e.validator, e.validator_value, e.instance
    if kw in ("anyOf", "oneOf") and e.context:
        from jsonschema.exceptions import best_match
        best = best_match([e])   # descends into e.context; returns e itself when no branch stands out
        if best is not e:
            return _problems_for(best)
        if all(c.validator in ("const", "enum") for c in e.context):
            options = ", ".join(_show(v) for c in e.context
                                for v in (c.validator_value if c.validator == "enum" else [c.validator_value]))
            return [Problem(ptr, f"expected one of {options}, found {_show(got)}",
                            f"应为 {options} 之一，实际为 {_show(got)}")]
        en, zh = _found(got)
        return [Problem(ptr, f"expected a value matching one of the allowed alternatives ({kw}), found {en}",
                        f"应符合允许的备选模式之一（{kw}），实际为{zh}")]
    if kw == "required" and isinstance(got, dict):
        return [Problem(ptr + format_pointer((name,)), "required property is missing", "缺少必填属性")
                for name in want if name not in got]
    if kw == "additionalProperties" and want is False and isinstance(got, dict):
        known = e.schema.get("properties", {})
        extras = [k for k in got if k not in known
                  and not any(re.search(p, k) for p in e.schema.get("patternProperties", {}))]
        allowed = ", ".join(repr(k) for k in known) or "none"
        return [Problem(ptr + format_pointer((k,)), f"expected only the properties {allowed} here, found {k!r}",
                        f"此处只允许属性 {allowed}，实际出现了 {k!r}") for k in extras]
    shown = _show(got)
    if kw == "type":
        names = [want] if isinstance(want, str) else list(want)
        en, zh = _found(got)
        return [Problem(ptr, f"expected {' or '.join(_TYPE_NAMES[n][0] for n in names)}, found {en}",
                        f"应为{'或'.join(_TYPE_NAMES[n][1] for n in names)}，实际为{zh}")]
    if kw in ("enum", "const"):
        options = ", ".join(_show(v) for v in (want if kw == "enum" else [want]))
        if kw == "enum":
            return [Problem(ptr, f"expected one of {options}, found {shown}", f"应为 {options} 之一，实际为 {shown}")]
        return [Problem(ptr, f"expected {options}, found {shown}", f"应为 {options}，实际为 {shown}")]
    if kw in _COMPARE:
        en, zh = _COMPARE[kw]
        return [Problem(ptr, f"expected a number {en} {_show(want)}, found {shown}",
                        f"应为{zh} {_show(want)} 的数字，实际为 {shown}")]
    if kw == "multipleOf":
        return [Problem(ptr, f"expected a multiple of {_show(want)}, found {shown}",
                        f"应为 {_show(want)} 的整数倍，实际为 {shown}")]
    if kw in ("minLength", "maxLength"):
        en, zh = ("at least", "至少") if kw == "minLength" else ("at most", "至多")
        return [Problem(ptr, f"expected a string of {en} {want} characters, found {len(got)} characters: {shown}",
                        f"应为{zh} {want} 个字符的字符串，实际为 {len(got)} 个字符：{shown}")]
    if kw in ("minItems", "maxItems"):
        en, zh = ("at least", "至少") if kw == "minItems" else ("at most", "至多")
        return [Problem(ptr, f"expected an array of {en} {want} items, found {len(got)} items",
                        f"应为{zh}包含 {want} 个元素的数组，实际包含 {len(got)} 个")]
    if kw == "pattern":
        return [Problem(ptr, f"expected a string matching the pattern {want!r}, found {shown}",
                        f"应为匹配模式 {want!r} 的字符串，实际为 {shown}")]
    if kw == "format" and want == "uscc":
        return [Problem(ptr, *uscc.explain(got, shown))]
    if kw == "format":
        return [Problem(ptr, f"expected a string in the format {want!r}, found {shown}",
                        f"应为符合 {want!r} 格式的字符串，实际为 {shown}")]
    if kw == "uniqueItems":
        return [Problem(ptr, "expected array items to be unique, found repeated items",
                        "数组元素应互不相同，实际存在重复元素")]
    message = " ".join(e.message.split())   # jsonschema's text already repr-quotes the instance
    message = message if len(message) <= 200 else message[:200] + "…"
    return [Problem(ptr, message, f"不满足模式约束 {kw}：{message}")]


def _sort_key(p: Problem):
    # Numeric array indices sort numerically so /sources/10 follows /sources/9.
    parts = [(0, int(t), "") if t.isascii() and t.isdigit() else (1, 0, t) for t in p.pointer.split("/")[1:]]
    return parts, p.message_en


class _SchemaChecks:
    """What validation builds once per schema: the fast yes/no check, and jsonschema's validator on demand."""

    def __init__(self, schema: dict):
        self.schema = _decimalize(schema)
        self.fast = compile_check(self.schema)
        self._full = None

    def full(self):
        if self._full is None:
            self._full = _validator_class()(self.schema, format_checker=format_checker())
        return self._full

    def problems(self, evidence: dict) -> list[Problem]:
        if self.fast is not None and self.fast(evidence):
            return []
        found = {p for e in self.full().iter_errors(evidence) for p in _problems_for(e)}
        return sorted(found, key=_sort_key)


# By schema identity, the schema kept so that its id stays its own. Bounded: a process that loads rulesets
# again and again (a server, a test suite) keeps the checks of the few it used last, not of every load.
_CHECKS: OrderedDict[int, tuple[dict, _SchemaChecks]] = OrderedDict()
_CHECKS_KEPT = 16


def _checks(schema: dict) -> _SchemaChecks:
    """One set of checks per loaded schema, not one per application: building them costs as much as a check."""
    cached = _CHECKS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = _CHECKS[id(schema)] = (schema, _SchemaChecks(schema))
        while len(_CHECKS) > _CHECKS_KEPT:
            _CHECKS.popitem(last=False)
    else:
        _CHECKS.move_to_end(id(schema))
    return cached[1]


def validate_evidence(evidence: dict, schema: dict, source: str = "<evidence>") -> list[Problem]:
    return _checks(schema).problems(evidence)


def check_evidence(evidence: dict, schema: dict, source: str) -> None:
    problems = validate_evidence(evidence, schema, source)
    if problems:
        raise EvidenceError(source, problems)
