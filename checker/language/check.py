"""Check phase: syntax tree → typed, unit-checked model, or every diagnostic found at once.

Names are resolved (with "did you mean"), `let` cycles found, every
expression typed and its units checked, evidence paths checked against the
evidence schema, and the structure of sections, tiers and grades verified.
"""
from __future__ import annotations

import decimal
from decimal import Decimal

from ..language import ast
from ..language.diagnostics import Diagnostic, Span
from ..errors import did_you_mean
from ..language.calls import Calls
from ..language.functions import FUNCTIONS
from ..language.shadowing import allowed, implies, literal_value
from ..language.schema import field_names, field_schema, type_of
from ..language.types import BOOL, PLAIN, STRING, Type, number
from ..language.words import GIVEN
from ..language.units import ONE, Unit, UnitError, convert, parse_unit
from ..records import Record, replace

KNOWN_META = ("title", "standard", "version", "effective", "issuer", "evidence", "basis", "status", "source", "note")
REQUIRED_META = ("title", "version")


class Model(Record):
    """A checked ruleset: declarations in evaluation order, every expression typed."""

    header: ast.Header
    meta: dict[str, ast.Label]
    schema: dict
    lets: list[ast.Let]  # in dependency order
    params: dict[str, ast.Param]  # by qualified name (`alias.name` for imported ones)
    tables: dict[str, ast.Table]
    variant: ast.Variant | None
    requirements: list[ast.Requirement]
    sections: list[ast.Section]
    grades: ast.Grades | None
    warnings: list[Diagnostic]
    functions: dict[str, ast.FunctionDecl]
    __match_args__ = ("header", "meta", "schema", "lets", "params", "tables", "variant", "requirements", "sections",
                      "grades", "warnings", "functions")

    def __init__(self, header, meta, schema, lets, params, tables, variant, requirements, sections, grades,
                 warnings=None, functions=None):
        self.header, self.meta, self.schema, self.lets, self.params, self.tables = (
            header, meta, schema, lets, params, tables)
        self.variant, self.requirements, self.sections, self.grades = variant, requirements, sections, grades
        self.warnings = [] if warnings is None else warnings
        self.functions = {} if functions is None else functions


class Library(Record):
    """What a ruleset reads from a library it imports: its parameters and tables."""

    params: dict[str, ast.Param]
    tables: dict[str, ast.Table]
    __match_args__ = ("params", "tables")

    def __init__(self, params, tables):
        self.params, self.tables = params, tables


class Checker(Calls):
    def __init__(self, module: ast.Module, schema: dict | None, libraries: dict[str, Library] | None = None):
        self.module = module
        self.schema = schema
        self.libraries = libraries or {}
        self.diagnostics: list[Diagnostic] = []
        self.lets: dict[str, ast.Let] = {}
        self.params: dict[str, ast.Param] = {}
        self.tables: dict[str, ast.Table] = {}
        self.variant: ast.Variant | None = None
        self.scopes: list[dict[str, Type]] = []
        self.let_types: dict[str, Type] = {}
        self.checking: list[str] = []  # lets being typed, to find cycles
        self.in_cycles: set[str] = set()  # lets already named in a reported cycle
        self.order: list[ast.Let] = []
        self.context = ""  # "grade" while checking grade conditions: `score` is visible there
        self.functions: dict[str, ast.FunctionDecl] = {}
        self.function_types: dict[str, Type] = {}
        self.calling: list[str] = []  # functions being typed, to refuse recursion
        self.in_function: str | None = None  # the function whose body is being typed

    # Reporting
    def error(self, code: str, message: str, span: Span | None, expected: str | None = None,
              hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, expected, hint))

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint=hint, severity="warning"))

    def unit(self, symbol: str | None, span: Span) -> Unit:
        if symbol is None:
            return ONE
        try:
            return parse_unit(symbol)
        except UnitError as exc:
            from ..language.units import known_symbols
            self.error("unit", str(exc), span, hint=did_you_mean(exc.part or symbol, known_symbols()))
            return ONE

    # The whole module
    def run(self) -> Model:
        decls = self.module.declarations
        meta = self.check_meta()
        seen_names: dict[str, Span] = {}
        requirements, sections, grades = [], [], None
        for decl in decls:
            name = getattr(decl, "name", None)
            if isinstance(decl, (ast.Let, ast.Param, ast.Table, ast.FunctionDecl)):
                if name in seen_names:
                    self.error("duplicate-name", f"'{name}' is already defined (line {seen_names[name].line})",
                               decl.span)
                elif name in GIVEN:
                    self.error("reserved-name", f"'{name}' is a name the language gives; choose another", decl.span)
                elif isinstance(decl, ast.FunctionDecl) and name in FUNCTIONS:
                    self.error("duplicate-name", f"'{name}' is a built-in function; choose another name", decl.span)
                seen_names[name] = decl.span
            if isinstance(decl, ast.Let):
                self.lets[name] = decl
            elif isinstance(decl, ast.Param):
                self.params[name] = decl
            elif isinstance(decl, ast.Table):
                self.tables[name] = decl
                self.check_table(decl)
            elif isinstance(decl, ast.FunctionDecl):
                self.functions.setdefault(name, decl)
            elif isinstance(decl, ast.Variant):
                if self.variant is not None:
                    self.error("duplicate-variant", "a ruleset declares its variants once", decl.span)
                self.variant = decl
            elif isinstance(decl, ast.Requirement):
                requirements.append(decl)
            elif isinstance(decl, ast.Section):
                sections.append(decl)
            elif isinstance(decl, ast.Grades):
                if grades is not None:
                    self.error("duplicate-grades", "a ruleset has one grade table", decl.span)
                grades = decl
            elif isinstance(decl, ast.Import):
                if decl.alias in seen_names:
                    self.error("duplicate-name", f"'{decl.alias}' is already defined", decl.span)
                seen_names[decl.alias] = decl.span
        if self.module.header.kind == "library":  # its functions would be `alias.f(x)`, which no call can name
            extra = next((d for d in decls if not isinstance(d, (ast.Table, ast.Param, ast.Import))), None)
            if extra is not None:
                self.error("library-content", "a library holds only tables and parameters", extra.span)
        for alias, library in self.libraries.items():
            for name, param in library.params.items():
                self.params[f"{alias}.{name}"] = param
            for name, table in library.tables.items():
                self.tables[f"{alias}.{name}"] = table

        for param in self.params.values():
            if param.default is not None and param.name in seen_names:
                self.check_param(param)
            if (param.range or param.choices) and param.name in seen_names:
                self.check_allowed(param)
        if self.variant:
            self.check_variant(self.variant)
        for function in self.functions.values():
            self.function_type(function)
        for let in self.lets.values():
            self.let_type(let)
        ids: dict[str, Span] = {}
        for item in requirements:
            self.unique_id(item.id, item.span, ids)
            self.check_labels(item)
            self.check_when(item.when)
            self.expect(item.condition, "bool", "a requirement's condition")
        for section in sections:
            self.check_section(section, ids)
        if grades:
            self.check_grades(grades, sections, ids)
        elif sections:
            self.error("no-grades", "a ruleset with scored sections needs a `grades` table", sections[0].span)
        return Model(self.module.header, meta, self.schema, self.order, self.params, self.tables,
                     self.variant, requirements, sections, grades, functions=self.functions)

    def check_meta(self) -> dict[str, ast.Label]:
        header = self.module.header
        meta: dict[str, ast.Label] = {}
        for entry in header.meta:
            if entry.key in meta:
                self.error("duplicate-meta", f"'{entry.key}' is given twice", entry.span)
            if entry.key not in KNOWN_META:
                self.warn("unknown-meta", f"unknown metadata '{entry.key}'", entry.span,
                          hint=did_you_mean(entry.key, KNOWN_META))
            meta[entry.key] = entry.value
        if header.kind == "ruleset":
            for key in REQUIRED_META:
                if key not in meta:
                    self.error("missing-meta", f"the ruleset header needs `{key}`", header.span)
        return meta

    def check_labels(self, item) -> None:
        if item.label is not None and not item.label.en:
            self.warn("missing-english", f"'{item.id}' has no English label (add `en \"…\"`)", item.span)

    def unique_id(self, item_id: str, span: Span, ids: dict[str, Span]) -> None:
        if item_id in ids:
            first = ids[item_id]
            self.error("duplicate-id", f"'{item_id}' is already used (line {first.line})", span)
        ids.setdefault(item_id, span)  # later duplicates name the first use

    def check_table(self, table: ast.Table) -> None:
        unit = self.unit(table.unit, table.span)
        width = len(table.columns) if table.columns else 1
        keys = set()
        for row in table.rows:
            if len(row.cells) != width:
                self.error("table-row", f"row {row.key!r} has {len(row.cells)} values, the table has {width} columns",
                           row.span)
            if row.key in keys:
                self.error("duplicate-key", f"row {row.key!r} appears twice in table '{table.name}'", row.span)
            keys.add(row.key)
            if isinstance(row.key, Decimal) and row.key != row.key.to_integral_value():
                self.error("table-key", "table keys are whole numbers or texts", row.span)
            for i, written in enumerate(row.units):
                if written is not None and row.cells[i] is not None:
                    row.cells[i] = self.cell(row.cells[i], self.unit(written, row.span), unit, table, row)
                    row.units[i] = None  # converted: the table's unit from now on

    def cell(self, value: Decimal, written: Unit, unit: Unit, table: ast.Table, row: ast.Row) -> Decimal:
        """A cell written with a unit (`2.5%`), in the table's unit."""
        if not written.compatible(unit):
            self.error("unit", f"a cell of row {row.key!r} is in {written.symbol}, table '{table.name}' in "
                               f"{unit.symbol or 'plain numbers'}", row.span,
                       expected=f"a quantity measuring {unit.describe_dimension()}")
            return value
        try:
            with decimal.localcontext(decimal.Context(prec=34, traps=[decimal.Inexact, decimal.Rounded])):
                return convert(value, written.factor_to(unit))
        except decimal.DecimalException:
            self.error("unit", f"{value} {written.symbol} has no exact value in {unit.symbol}", row.span)
            return value

    def check_param(self, param: ast.Param) -> None:
        declared = self.unit(param.unit, param.span) if param.unit else None
        found = self.value(param.default)
        if declared is not None and found.kind == "number" and not found.unit.compatible(declared):
            self.error("unit", f"default of '{param.name}' is in {found.unit.symbol or 'a plain number'}, "
                               f"the parameter in {declared.symbol}", param.default.span)

    def check_allowed(self, param: ast.Param) -> None:
        """`in [a, b]` and `in {…}`: literal bounds and values of the parameter's type, its default among them."""
        own = self.param_type(param)
        if param.range and param.range.lower is None and param.range.upper is None:
            self.error("syntax", "a parameter's bound is written >=, >, <= or <", param.range.span)
        for bound in ([b for b in (param.range.lower, param.range.upper) if b is not None] if param.range else []):
            found = self.expect(bound, "number", "a parameter's bound")
            if literal_value(bound) is None:
                self.error("type", f"a parameter's bounds are written as numbers, not `{bound.text}`", bound.span)
            elif found and own.kind == "number":
                self.compatible(own, found, bound)
        for choice in param.choices:
            found = self.value(choice)
            if not isinstance(choice, (ast.String, ast.Number)):
                self.error("type", f"a parameter's allowed values are written as texts or numbers, not "
                                   f"`{choice.text}`", choice.span)
            elif found.kind != own.kind:
                self.error("type", f"'{param.name}' is {own.describe()}, `{choice.text}` is {found.describe()}",
                           choice.span)
        if param.default is not None and not allowed(param, param.default):
            self.error("param-range", f"the default of '{param.name}', {param.default.text}, is not among the "
                                      f"values it allows", param.default.span)

    def param_type(self, param: ast.Param) -> Type:
        if param.choices and all(isinstance(c, ast.String) for c in param.choices):
            return Type("string", enum=tuple(c.value for c in param.choices))
        if param.unit:
            return number(self.unit(param.unit, param.span))
        if param.default is not None:
            return param.default.type or self.infer(param.default)
        return PLAIN

    def check_variant(self, variant: ast.Variant) -> None:
        selector = self.infer(variant.selector)
        if selector.kind not in ("string", "any"):
            self.error("type", f"variants are chosen by a text, not {selector.describe()}", variant.selector.span)
        values = [o.value for o in variant.options]
        if selector.enum and set(values) != set(selector.enum):
            self.warn("variant-values", f"the schema allows {list(selector.enum)}, the variants are {values}",
                      variant.span)

    def check_when(self, when: ast.Expr | None) -> None:
        if when is not None:
            self.expect(when, "bool", "a `when` condition")

    # Lets, cycles
    def let_type(self, let: ast.Let) -> Type:
        if let.name in self.let_types:
            return self.let_types[let.name]
        if let.name in self.checking:
            cycle = self.checking[self.checking.index(let.name):] + [let.name]
            if not set(cycle) <= self.in_cycles:  # each further cycle reported must name a new let
                self.in_cycles.update(cycle)
                self.error("cycle", f"'{let.name}' depends on itself: {' → '.join(cycle)}", let.span)
            return Type("any")
        self.checking.append(let.name)
        found = self.value(let.expr)
        self.check_when(let.when)
        self.checking.pop()
        if found.kind in ("record", "list"):
            self.error("type", f"'{let.name}' holds a number, text, true/false or date; `{let.expr.text}` is "
                               f"{found.describe()}", let.expr.span)
            found = Type("any")
        elif let.when is not None and found.kind not in ("number", "any"):
            # Outside its condition the value counts as 0: only a quantity has a 0.
            self.error("type", f"'{let.name}' has a `when`, so outside it the value counts as 0: it must hold a "
                               f"number; `{let.expr.text}` is {found.describe()}", let.when.span)
        if let.unit is not None:
            found = self.declared(let.name, found, let.unit, let.span, let.expr)
        self.let_types[let.name] = found
        self.order.append(let)
        return found

    def declared(self, name: str, found: Type, unit: str, span: Span, expr: ast.Expr) -> Type:
        """A value declared `in UNIT`: in that unit, if what it computes measures the same."""
        reported = len(self.diagnostics)
        declared = self.unit(unit, span)
        if found.kind == "any" or len(self.diagnostics) > reported:
            return found  # an error already reported where the value arose; do not repeat it here
        if found.kind != "number":
            self.error("type", f"'{name}' is declared in {declared.symbol} but is {found.describe()}", expr.span)
        elif not found.unit.compatible(declared):
            self.error("unit", f"'{name}' is declared in {declared.symbol} but its value is in "
                               f"{found.unit.symbol or 'a plain number'}", expr.span,
                       expected=f"a quantity measuring {declared.describe_dimension()}")
        else:
            return number(declared)
        return found

    # Sections, criteria, grades
    def check_section(self, section: ast.Section, ids: dict[str, Span]) -> None:
        self.unique_id(section.id, section.span, ids)
        self.check_labels(section)
        total = Decimal(0)
        for criterion in section.criteria:
            self.unique_id(criterion.id, criterion.span, ids)
            self.check_labels(criterion)
            self.check_when(criterion.when)
            self.check_scoring(criterion)
            total += criterion.max
        if total != section.max:
            self.error("section-max", f"section '{section.id}' declares max {section.max} but its criteria add up "
                                      f"to {total}", section.span)

    def check_scoring(self, criterion: ast.Criterion) -> None:
        scoring = criterion.scoring
        if isinstance(scoring, ast.Tiers):
            for i, tier in enumerate(scoring.tiers):
                if tier.points > criterion.max:
                    self.error("tier-max", f"tier gives {tier.points} points, more than the maximum "
                                           f"{criterion.max} of '{criterion.id}'", tier.span)
                if tier.condition is None:
                    if i != len(scoring.tiers) - 1:
                        self.error("unreachable-tier", "tiers after `otherwise` are never reached",
                                   scoring.tiers[i + 1].span)
                    continue
                self.expect(tier.condition, "bool", "a tier's condition")
                for earlier in scoring.tiers[:i]:
                    if earlier.condition is not None and implies(tier.condition, earlier.condition):
                        self.error("shadowed-tier", f"this tier is never reached: every value it accepts is "
                                                    f"taken by the earlier tier `{earlier.condition.text}` "
                                                    f"(line {earlier.span.line})", tier.span)
                        break
        elif isinstance(scoring, ast.Scale):
            value = self.expect(scoring.value, "number", "a scale's value")
            for end in (scoring.start, scoring.end):
                bound = self.expect(end, "number", "a scale's end")
                if value and bound and not self.compatible(value, bound, end):
                    pass
        elif isinstance(scoring, ast.Assessed):
            if scoring.source is None:
                span = scoring.span
                scoring.source = ast.Field(span=span, text=f"evidence.assessments.{criterion.id}",
                                           base=ast.Field(span=span, text="evidence.assessments",
                                                          base=ast.Name(span=span, text="evidence", name="evidence"),
                                                          name="assessments"),
                                           name=criterion.id)
            self.expect_points(scoring.source, "assessed points")
        elif isinstance(scoring, ast.Points):
            self.expect_points(scoring.value, "a criterion's points")

    def expect_points(self, expr: ast.Expr, what: str) -> None:
        found = self.expect(expr, "number", what)
        if found and not found.unit.dimensionless:
            self.error("unit", f"{what} must be a plain number of points, not {found.unit.symbol}", expr.span)

    def check_grades(self, grades: ast.Grades, sections: list[ast.Section], ids: dict[str, Span]) -> None:
        total = sum((s.max for s in sections), Decimal(0))
        if sections and total != grades.max:
            self.error("total-max", f"the grades are out of {grades.max} but the sections add up to {total}",
                       grades.span)
        self.context = "grade"
        for grade in grades.grades:
            self.unique_id(grade.id, grade.span, ids)
            self.check_labels(grade)
            self.expect(grade.condition, "bool", "a grade's condition")
        self.context = ""

    # Expressions
    def expect(self, expr: ast.Expr, kind: str, what: str) -> Type | None:
        found = self.infer(expr)
        if found.kind in (kind, "any"):
            return found if found.kind == kind else None
        self.error("type", f"{what} must be {Type(kind, ONE).describe() if kind != 'number' else 'a number'}, "
                           f"but `{expr.text}` is {found.describe()}", expr.span)
        return None

    def compatible(self, left: Type, right: Type, right_expr: ast.Expr, verb: str = "compare") -> bool:
        if left.unit.compatible(right.unit) or ast.is_bare_zero(right_expr):
            return True
        self.error("unit", f"cannot {verb} {left.unit.symbol or 'a plain number'} with "
                           f"{right.unit.symbol or 'a plain number'}", right_expr.span,
                   expected=f"a quantity measuring {left.unit.describe_dimension()}",
                   hint=f"write the unit after the number, e.g. `{right_expr.text} {left.unit.symbol}`"
                   if right.unit.dimensionless and isinstance(right_expr, ast.Number) else None)
        return False

    def infer(self, expr: ast.Expr) -> Type:
        method = getattr(self, "infer_" + type(expr).__name__.lower())
        expr.type = method(expr)
        return expr.type

    def value(self, expr: ast.Expr) -> Type:
        """The type of an expression used as a value, which a whole table or library is not."""
        return self.not_whole(expr, self.infer(expr))

    def not_whole(self, expr: ast.Expr, found: Type) -> Type:
        if found.kind == "table":
            self.error("type", f"`{expr.text}` is a table: look a row up with `{expr.text}[key]` or "
                               f"`latest({expr.text}, key)`", expr.span)
            return Type("any")
        if found.kind == "library":
            self.error("type", f"`{expr.text}` is a library: name one of its tables or parameters, "
                               f"`{expr.text}.name`", expr.span)
            return Type("any")
        return found

    def infer_number(self, expr: ast.Number) -> Type:
        return number(self.unit(expr.unit, expr.unit_span or expr.span))

    def infer_string(self, expr: ast.String) -> Type:
        return STRING

    def infer_boolean(self, expr: ast.Boolean) -> Type:
        return BOOL

    def infer_name(self, expr: ast.Name) -> Type:
        name = expr.name
        for scope in reversed(self.scopes):
            if name in scope:
                expr.ref = ast.VarRef(name)
                return scope[name]
        if self.in_function and (name in GIVEN or name in self.lets):
            self.error("function-reads", f"function '{self.in_function}' reads only its arguments, parameters and "
                                         f"tables, not `{name}`", expr.span,
                       hint=f"pass it as an argument: `{self.in_function}(…, {name})`")
            return Type("any")
        if name == "evidence":
            expr.ref = ast.EvidenceRef()
            if self.schema is None:  # no schema to be had (reported once): nothing can be said of its paths
                return Type("any")
            return Type("record", schema=self.schema)
        if name == "score" and self.context == "grade":
            expr.ref = ast.ScoreRef()
            return PLAIN
        if name == "variant" and self.variant is not None:
            expr.ref = ast.VariantRef()
            return Type("string", enum=tuple(o.value for o in self.variant.options))
        if name in self.lets:
            expr.ref = ast.LetRef(name)
            return self.let_type(self.lets[name])
        if name in self.params:
            expr.ref = ast.ParamRef(name)
            return self.param_type(self.params[name])
        if name in self.tables:
            expr.ref = ast.TableRef(name)
            return Type("table", unit=self.unit(self.tables[name].unit, self.tables[name].span))
        if name in self.libraries:
            expr.ref = ast.LibraryRef(name)
            return Type("library")
        known = [*self.lets, *self.params, *self.tables, *self.libraries, "evidence"]
        known += [n for s in self.scopes for n in s]
        if name == "score":
            self.error("score-outside-grades", "`score` is known only in grade conditions", expr.span)
        else:
            self.error("unknown-name", f"unknown name '{name}'", expr.span, hint=did_you_mean(name, known))
        return Type("any")

    def infer_field(self, expr: ast.Field) -> Type:
        base = self.infer(expr.base)
        if base.kind == "any":
            return base
        if base.kind == "library":
            alias = expr.base.ref.name
            library = self.libraries[alias]
            qualified = f"{alias}.{expr.name}"
            if expr.name in library.tables:
                expr.ref = ast.TableRef(qualified)
                table = library.tables[expr.name]
                return Type("table", unit=self.unit(table.unit, table.span))
            if expr.name in library.params:
                expr.ref = ast.ParamRef(qualified)
                return self.param_type(library.params[expr.name])
            self.error("unknown-name", f"library '{alias}' has no '{expr.name}'", expr.span,
                       hint=did_you_mean(expr.name, [*library.tables, *library.params]))
            return Type("any")
        if base.kind != "record":
            self.error("type", f"`{expr.base.text}` is {base.describe()}, it has no field '{expr.name}'", expr.span)
            return Type("any")
        if expr.base.ref is None:
            self.error("type", f"`{expr.base.text}` is an item chosen while evaluating; to read its fields, give "
                               f"its position as a number (`list[2].{expr.name}`) or aggregate over the list",
                       expr.span)
            return Type("any")
        node = field_schema(base, expr.name, self.schema)
        if node is None:
            # Inside an aggregation the base is an item of a list: name it as written.
            place = f"at {_pointer(expr.base.ref) or '/'}" if isinstance(expr.base.ref, ast.EvidenceRef) \
                else f"in `{expr.base.text}`"
            self.error("unknown-evidence", f"the evidence schema has no field '{expr.name}' {place}",
                       expr.span, hint=did_you_mean(expr.name, field_names(base, self.schema)))
            return Type("any")
        expr.ref = replace(expr.base.ref, path=(*expr.base.ref.path, expr.name))
        try:
            return type_of(node, self.schema)
        except UnitError as exc:
            self.error("unit", f"the evidence schema gives {_pointer(expr.ref)} {exc}", expr.span)
            return Type("any")

    def infer_index(self, expr: ast.Index) -> Type:
        base = self.infer(expr.base)
        keys = [self.infer(k) for k in expr.keys]
        if base.kind == "any":
            return base
        if base.kind == "list":
            return self.list_item(expr, base, keys)
        if base.kind != "table":
            self.error("type", f"`{expr.base.text}` is {base.describe()}; only tables and lists are looked up "
                               f"with [...]", expr.span)
            return Type("any")
        table = self.tables[expr.base.ref.name]
        width = 2 if table.columns else 1
        if len(keys) != width:
            self.error("table-keys", f"table '{table.name}' is looked up with {width} key{'s' * (width > 1)}, "
                                     f"got {len(keys)}", expr.span)
        for key, key_type in zip(expr.keys, keys):
            if key_type.kind not in ("number", "string", "any"):
                self.error("type", f"a table key is a number or a text, not {key_type.describe()}", key.span)
        if table.columns and len(expr.keys) == 2 and isinstance(expr.keys[1], ast.String) \
                and expr.keys[1].value not in table.columns:
            self.error("unknown-column", f"table '{table.name}' has no column \"{expr.keys[1].value}\"",
                       expr.keys[1].span, hint=did_you_mean(expr.keys[1].value, table.columns))
        row = _literal_key(expr.keys[0])
        if row is not None and row not in {r.key for r in table.rows}:
            keys = [r.key for r in table.rows]
            if isinstance(row, str):
                shown, hint = f'"{row}"', did_you_mean(row, [str(k) for k in keys])
            else:  # "did you mean 2022" for a missing 2024 would mislead: list the years there are
                shown, hint = str(row), "the rows are " + ", ".join(map(str, keys)) if keys else None
            self.error("unknown-row", f"table '{table.name}' has no row {shown}", expr.keys[0].span, hint=hint)
        return number(base.unit)

    def list_item(self, expr: ast.Index, base: Type, keys: list[Type]) -> Type:
        """`list[n]`: the n-th item, counting from 1; with a literal n, an item with a path (`list[2].field`)."""
        if len(keys) != 1:
            self.error("table-keys", f"a list is looked up with one position, got {len(keys)}", expr.span)
            return Type("any")
        position = self.expect(expr.keys[0], "number", "a list position")
        literal = _literal_key(expr.keys[0])
        if isinstance(literal, Decimal):
            if literal < 1 or literal != literal.to_integral_value():
                self.error("type", f"list positions are whole numbers counted from 1, not {literal}",
                           expr.keys[0].span)
            elif isinstance(expr.base.ref, (ast.EvidenceRef, ast.VarRef)):
                expr.ref = replace(expr.base.ref, path=(*expr.base.ref.path, int(literal) - 1))
        elif position and not position.unit.dimensionless:
            self.error("unit", f"a list position is a plain number, not {position.unit.symbol}", expr.keys[0].span)
        return base.item or Type("any")

    def infer_negate(self, expr: ast.Negate) -> Type:
        return self.expect(expr.operand, "number", "`-`'s operand") or Type("any")

    def infer_arith(self, expr: ast.Arith) -> Type:
        left, right = self.infer(expr.left), self.infer(expr.right)
        for side, t in ((expr.left, left), (expr.right, right)):
            if t.kind not in ("number", "any"):
                self.error("type", f"`{expr.op}` works on numbers, `{side.text}` is {t.describe()}", side.span)
                return Type("any")
        if "any" in (left.kind, right.kind):
            return Type("any")
        if expr.op in "+-":
            verb = "add" if expr.op == "+" else "subtract"
            if ast.is_bare_zero(expr.left) and not left.unit.compatible(right.unit):
                return right
            self.compatible(left, right, expr.right, verb)
            return left
        return number(left.unit.times(right.unit) if expr.op == "*" else left.unit.over(right.unit))

    def infer_compare(self, expr: ast.Compare) -> Type:
        left, right = self.value(expr.left), self.value(expr.right)
        if "any" in (left.kind, right.kind):
            return BOOL
        if left.kind != right.kind or left.kind in ("record", "list"):
            self.error("type", f"cannot compare {left.describe()} with {right.describe()}", expr.span)
        elif left.kind == "number":
            if ast.is_bare_zero(expr.left):
                self.compatible(right, left, expr.left)
            else:
                self.compatible(left, right, expr.right)
        elif left.kind in ("bool", "string") and expr.op not in ("==", "!="):
            self.error("type", f"`{expr.op}` orders numbers and dates, not {left.describe()}", expr.span)
        elif left.kind == "string":
            self.check_enum(left, expr.right)
            self.check_enum(right, expr.left)
        return BOOL

    def check_enum(self, string_type: Type, other: ast.Expr) -> None:
        if string_type.enum and isinstance(other, ast.String) and other.value not in string_type.enum:
            self.error("unknown-value", f"\"{other.value}\" is not one of {', '.join(map(repr, string_type.enum))}",
                       other.span, hint=did_you_mean(other.value, string_type.enum))

    def infer_within(self, expr: ast.Within) -> Type:
        value = self.expect(expr.value, "number", "an interval test's value")
        for bound in (expr.lower, expr.upper):
            found = self.expect(bound, "number", "an interval's bound")
            if value and found:
                self.compatible(value, found, bound)
        return BOOL

    def infer_member(self, expr: ast.Member) -> Type:
        value = self.value(expr.value)
        for option in expr.options:
            found = self.value(option)
            if "any" in (value.kind, found.kind):
                continue
            if found.kind != value.kind:
                self.error("type", f"`{expr.value.text}` is {value.describe()}, `{option.text}` is "
                                   f"{found.describe()}", option.span)
            elif value.kind == "number":
                self.compatible(value, found, option)
            elif value.kind == "string":
                self.check_enum(value, option)
        return BOOL

    def infer_logic(self, expr: ast.Logic) -> Type:
        for operand in expr.operands:
            self.expect(operand, "bool", f"`{expr.op}`'s operand")
        return BOOL

    def infer_not(self, expr: ast.Not) -> Type:
        self.expect(expr.operand, "bool", "`not`'s operand")
        return BOOL

    def infer_coalesce(self, expr: ast.Coalesce) -> Type:
        value, fallback = self.value(expr.value), self.value(expr.fallback)
        return self.same_type(value, fallback, expr.fallback, "`??`")

    def infer_conditional(self, expr: ast.Conditional) -> Type:
        self.expect(expr.condition, "bool", "`if`'s condition")
        then, otherwise = self.value(expr.then), self.value(expr.otherwise)
        if ast.is_bare_zero(expr.then):  # `if c then 0 else x` is in x's unit
            return self.same_type(otherwise, then, expr.then, "both branches of `if`")
        found = self.same_type(then, otherwise, expr.otherwise, "both branches of `if`")
        # `if … then "cement" else …`: the texts it can give are known, so a misspelt comparison with it is
        # caught (`sector == "cemnet"`), as one with a schema's enum is.
        texts = [(e.value,) if isinstance(e, ast.String) else t.enum
                 for e, t in ((expr.then, then), (expr.otherwise, otherwise))]
        if found.kind == "string" and None not in texts:
            return Type("string", enum=tuple(dict.fromkeys(texts[0] + texts[1])))
        return found

    def same_type(self, first: Type, second: Type, second_expr: ast.Expr, what: str) -> Type:
        if "any" in (first.kind, second.kind):
            return first if second.kind == "any" else second
        if first.kind != second.kind:
            self.error("type", f"{what} must be of one type: {first.describe()} and {second.describe()}",
                       second_expr.span)
            return Type("any")
        if first.kind == "number":
            self.compatible(first, second, second_expr)
        return first


def _literal_key(expr: ast.Expr):
    """The row a table lookup names literally (`t[2021]`, `t["CH4", …]`), if it does."""
    if isinstance(expr, ast.String):
        return expr.value
    if isinstance(expr, ast.Number) and expr.unit is None:
        return expr.value
    if isinstance(expr, ast.Negate) and isinstance(expr.operand, ast.Number) and expr.operand.unit is None:
        return -expr.operand.value
    return None


def _pointer(ref: ast.EvidenceRef | ast.VarRef) -> str:
    return ast.pointer_of(ref.path)
