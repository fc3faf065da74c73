"""The evidence schema seen as types: which paths exist, their kind and their unit (`x-unit`)."""
from __future__ import annotations

from ..language.types import BOOL, DATE, PLAIN, STRING, Type, number
from ..language.units import UnitError, parse_unit


def resolve(schema: dict, root: dict) -> dict:
    """Follow local `$ref`s (`#/$defs/...`); the shipped schemas use no remote ones."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if part else node
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}


def type_of(schema: dict, root: dict) -> Type:
    """The type of values at a schema node. Raises UnitError for an unknown `x-unit`."""
    schema = resolve(schema, root)
    kinds = schema.get("type")
    if isinstance(kinds, list):  # ["number", "null"]: null reads as missing
        kinds = next((k for k in kinds if k != "null"), None)
    if kinds in ("number", "integer"):
        return number(parse_unit(schema["x-unit"])) if "x-unit" in schema else PLAIN
    if kinds == "boolean":
        return BOOL
    if kinds == "string":
        if schema.get("format") == "date":
            return DATE
        enum = schema.get("enum")
        return Type("string", enum=tuple(enum)) if enum else STRING
    if kinds == "array":
        return Type("list", item=type_of(schema.get("items", {}), root))
    if kinds == "object" or "properties" in schema:
        return Type("record", schema=schema)
    return Type("any")


def field_schema(record: Type, name: str, root: dict) -> dict | None:
    properties = resolve(record.schema or {}, root).get("properties", {})
    return properties.get(name)


def field_names(record: Type, root: dict) -> list[str]:
    return list(resolve(record.schema or {}, root).get("properties", {}))


__all__ = ["resolve", "type_of", "field_schema", "field_names", "UnitError"]
