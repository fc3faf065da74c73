"""The check phase's typing of calls: built-in functions (from the registry), the ruleset's own functions,
and aggregations over lists. A part of the Checker (check.py), kept apart to keep each module short.
"""
from __future__ import annotations


from ..language import ast
from ..language.ast import LAST
from ..errors import did_you_mean
from ..language.functions import AGGREGATES, FUNCTIONS, Function, is_date
from ..language.types import BOOL, DATE, PLAIN, STRING, Type, number
from ..records import replace


class Calls:
    def infer_call(self, expr: ast.Call) -> Type:
        name, args = expr.function, expr.args
        types = [self.infer(a) for a in args]
        if name in self.functions:
            return self.call_user(expr, self.functions[name], types)
        function = FUNCTIONS.get(name)
        if function is None:
            self.error("unknown-function", f"unknown function '{name}'", expr.span,
                       hint=did_you_mean(name, [*FUNCTIONS, *self.functions]))
            return Type("any")
        if not function.accepts(len(args)):
            self.error("arity", f"{name}() takes {function.arity()}, got {len(args)}", expr.span)
            return Type("any")
        return getattr(self, "call_" + function.form)(expr, function, types)

    # The ruleset's own functions
    def argument_type(self, argument: ast.Argument) -> Type:
        if argument.kind == "number":
            return number(self.unit(argument.unit, argument.span))
        return {"text": STRING, "bool": BOOL, "date": DATE}[argument.kind]

    def function_type(self, function: ast.FunctionDecl) -> Type:
        """The type of what `function` gives, its body typed once with its arguments' types; a function
        that calls itself, directly or through others, is refused."""
        name = function.name
        if name in self.function_types:
            return self.function_types[name]
        if name in self.calling:
            cycle = self.calling[self.calling.index(name):] + [name]
            self.error("recursion", f"'{name}' calls itself: {' → '.join(cycle)}", function.span,
                       hint="a function cannot call itself, directly or through others, so that evaluation "
                            "always ends")
            self.function_types[name] = Type("any")
            return Type("any")
        self.calling.append(name)
        saved = self.scopes, self.context, self.in_function
        self.scopes, self.context, self.in_function = [{}], "", name
        for argument in function.arguments:
            if argument.name in self.scopes[0]:
                self.error("duplicate-name", f"'{argument.name}' is already an argument of '{name}'",
                           argument.span)
            self.scopes[0][argument.name] = self.argument_type(argument)
        try:
            found = self.value(function.expr)
        finally:
            self.scopes, self.context, self.in_function = saved
            self.calling.pop()
        if name in self.function_types:  # refused as recursive while its body was typed
            return self.function_types[name]
        if found.kind in ("record", "list"):
            self.error("type", f"'{name}' gives a number, text, true/false or date; `{function.expr.text}` is "
                               f"{found.describe()}", function.expr.span)
            found = Type("any")
        if function.kind == "number" and function.unit is not None:
            found = self.declared(name, found, function.unit, function.span, function.expr)
        elif function.kind is not None:
            wanted = PLAIN if function.kind == "number" else self.argument_type(
                ast.Argument(function.span, name, function.kind, None))
            if found.kind not in (wanted.kind, "any"):
                self.error("type", f"'{name}' is declared to give {wanted.describe()} but gives "
                                   f"{found.describe()}", function.expr.span)
            elif found.kind == "number" and not found.unit.dimensionless:
                self.error("unit", f"'{name}' is declared to give a plain number but gives {found.unit.symbol}",
                           function.expr.span, hint=f"declare it `in {found.unit.symbol}`")
        self.function_types[name] = found
        return found

    def call_user(self, expr: ast.Call, function: ast.FunctionDecl, types: list[Type]) -> Type:
        expr.ref = ast.FunctionRef(function.name)
        arguments = function.arguments
        if len(expr.args) != len(arguments):
            count = len(arguments)
            self.error("arity", f"{function.name}() takes {count} argument{'' if count == 1 else 's'}, got "
                                f"{len(expr.args)}", expr.span)
            return Type("any")
        for arg, found, argument in zip(expr.args, types, arguments):
            wanted = self.argument_type(argument)
            if found.kind == "any":
                continue
            if found.kind != wanted.kind:
                self.error("type", f"{function.name}()'s `{argument.name}` is {wanted.describe()}, `{arg.text}` is "
                                   f"{found.describe()}", arg.span)
            elif found.kind == "number":
                self.compatible(wanted, found, arg)
        return self.function_type(function)

    def call_plain(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        if any(t.kind == "any" for t in types):
            return Type("any")
        ok = True
        for i, (arg, found) in enumerate(zip(expr.args, types)):
            kind = function.kind_of(i)
            what = f"{function.name}()"
            if kind == "plain":
                if self.expect(arg, "number", what) and not found.unit.dimensionless:
                    self.error("unit", f"{what}'s `{function.name_of(i)}` is a plain number, not "
                                       f"{found.unit.symbol}", arg.span)
                    ok = False
            elif kind != "any" and not self.expect(arg, "string" if kind == "text" else kind, what):
                ok = False
        if not ok and function.result == "same":
            return Type("any")
        return _result_type(function.result, types)

    def call_date(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        if isinstance(expr.args[0], ast.String) and not is_date(expr.args[0].value):
            self.error("date", f"\"{expr.args[0].value}\" is not a date (YYYY-MM-DD)", expr.args[0].span)
        return self.call_plain(expr, function, types)

    def call_present(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        self.not_whole(expr.args[0], types[0])
        return BOOL

    def call_extreme(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        if len(expr.args) == 1:
            return self.call_aggregate(expr, function, types)
        if any(t.kind == "any" for t in types):
            return Type("any")
        name, args = function.name, expr.args
        for arg, t in zip(args, types):
            if t.kind != "number":
                self.error("type", f"{name}() compares numbers, `{arg.text}` is {t.describe()}", arg.span)
                return Type("any")
        # A bare 0 fits any unit, so `max(0, x)` is in x's unit.
        first = next((i for i, arg in enumerate(args) if not ast.is_bare_zero(arg)), 0)
        for i, (arg, t) in enumerate(zip(args, types)):
            if i != first:
                self.compatible(types[first], t, arg)
        return types[first]

    def call_aggregate(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        if types[0].kind == "any":
            return Type("any")
        return self.aggregate_type(expr, function.name, types[0], expr.args[0], None)

    def call_item(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        """first(list), last(list): an item, with a path when the list has one (`last(list).field`)."""
        arg, found = expr.args[0], types[0]
        if found.kind == "any":
            return found
        if found.kind != "list":
            self.error("type", f"{function.name}() takes a list, `{arg.text}` is {found.describe()}", arg.span)
            return Type("any")
        if isinstance(arg.ref, (ast.EvidenceRef, ast.VarRef)):
            expr.ref = replace(arg.ref, path=(*arg.ref.path, 0 if function.name == "first" else LAST))
        return found.item or Type("any")

    def call_has_row(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        table, key = expr.args
        if types[0].kind not in ("table", "any"):
            self.error("type", f"has_row() looks in a table, `{table.text}` is {types[0].describe()}", table.span)
        if types[1].kind not in ("number", "string", "any"):
            self.error("type", f"a table key is a number or a text, not {types[1].describe()}", key.span)
        return BOOL

    def call_latest(self, expr: ast.Call, function: Function, types: list[Type]) -> Type:
        args = expr.args
        if any(t.kind == "any" for t in types):
            return Type("any")
        if types[0].kind != "table":
            self.error("type", f"latest() looks up a table, `{args[0].text}` is {types[0].describe()}",
                       args[0].span)
            return Type("any")
        if self.tables[args[0].ref.name].columns:
            self.error("type", f"latest() reads a table with one value per row; `{args[0].text}` has columns",
                       args[0].span)
        self.expect(args[1], "number", "latest()'s key")
        return number(types[0].unit)

    def aggregate_type(self, expr, name: str, item: Type, item_expr: ast.Expr, source: Type | None) -> Type:
        if source is None:  # sum(evidence.list): the list itself is aggregated
            if item.kind != "list":
                self.error("type", f"{name}() needs a list, `{item_expr.text}` is {item.describe()}", item_expr.span)
                return Type("any")
            if name == "count":
                return PLAIN
            item = item.item
        if name == "count":
            if source is not None:
                self.error("count-item", "count() counts items: write `count(x for x in list where …)`", expr.span)
            return PLAIN
        if name in ("any", "all"):
            if item.kind != "bool":
                self.error("type", f"{name}() needs true/false values, `{item_expr.text}` is {item.describe()}",
                           item_expr.span)
            return BOOL
        if item.kind != "number":
            self.error("type", f"{name}() needs numbers, `{item_expr.text}` is {item.describe()}", item_expr.span)
            return Type("any")
        return item

    def infer_aggregate(self, expr: ast.Aggregate) -> Type:
        if expr.function not in AGGREGATES:
            self.error("unknown-function", f"'{expr.function}' cannot aggregate; use one of {', '.join(AGGREGATES)}",
                       expr.span, hint=did_you_mean(expr.function, AGGREGATES))
        source = self.infer(expr.source)
        if source.kind not in ("list", "any"):
            self.error("type", f"`{expr.source.text}` is {source.describe()}, not a list", expr.source.span)
            source = Type("any")
        elif source.kind == "list" and not isinstance(expr.source.ref, (ast.EvidenceRef, ast.VarRef)):
            self.error("type", "aggregation goes over a list in the evidence", expr.source.span)
        item_type = source.item if source.kind == "list" else Type("any")
        scope = {expr.variable: item_type}
        self.scopes.append(scope)
        try:
            for name, let in zip(expr.let_names, expr.lets):
                found = self.value(let)
                if name in scope:
                    self.error("duplicate-name", f"'{name}' is already named in this aggregation", let.span)
                if found.kind in ("record", "list"):
                    self.error("type", f"'{name}' holds a number, text, true/false or date; `{let.text}` is "
                                       f"{found.describe()}", let.span)
                    found = Type("any")
                scope[name] = found
            if expr.where is not None:
                self.expect(expr.where, "bool", "a `where` filter")
            if expr.function == "count":
                if not (isinstance(expr.item, ast.Name) and expr.item.name == expr.variable):
                    self.error("count-item", "count() counts items: write `count(x for x in list where …)`",
                               expr.item.span)
                self.value(expr.item)
                return PLAIN
            item = self.infer(expr.item)
        finally:
            self.scopes.pop()
        if item.kind == "any" or expr.function not in AGGREGATES:
            return Type("any")
        return self.aggregate_type(expr, expr.function, item, expr.item, source)


def _result_type(result: str, types: list[Type]) -> Type:
    if result == "same":
        return types[0]
    return {"bool": BOOL, "text": STRING, "date": DATE, "plain": PLAIN}[result]
