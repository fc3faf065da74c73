"""The types the check phase gives every expression."""
from __future__ import annotations


from ..language.units import ONE, Unit
from ..records import Frozen


class Type(Frozen):
    kind: str  # number, bool, string, date, list, record, table, interval
    unit: Unit | None  # numbers and tables
    item: "Type | None"  # lists
    schema: dict | None  # records: the JSON Schema node they come from
    enum: tuple | None  # strings with a closed set of values
    __match_args__ = ("kind", "unit", "item", "schema", "enum")

    def __init__(self, kind, unit=None, item=None, schema=None, enum=None):
        self.__dict__.update(kind=kind, unit=unit, item=item, schema=schema, enum=enum)

    def describe(self) -> str:
        if self.kind == "number":
            return f"a number in {self.unit.symbol}" if self.unit and self.unit.symbol else "a plain number"
        if self.kind == "list":
            return f"a list of {self.item.describe()}" if self.item else "a list"
        return {"bool": "true/false", "string": "a text", "date": "a date", "record": "an object",
                "table": "a table"}.get(self.kind, self.kind)


BOOL = Type("bool")
STRING = Type("string")
DATE = Type("date")
PLAIN = Type("number", ONE)


def number(unit: Unit) -> Type:
    return Type("number", unit)
