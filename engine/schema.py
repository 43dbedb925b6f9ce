"""Shapes of plain data: a tiny schema vocabulary, a validator and a describer.

A game declares the shape of its move data (``Rules.move_schema``) and of the
``position`` of its views (``Rules.position_schema``) with these; the conformance kit
checks every legal move and every view against them (``formats_match_schemas``), and
``python -m engine formats`` writes ``docs/games.md`` from them. Standard library only.

A schema is plain data:

==========================  ==========================================================
``"int"`` ``"str"``         any int (never a bool) / any string
``"bool"`` ``"null"``       ``True``/``False`` / ``None``
``"any"``                   any msgpack data
``{"const": v}``            exactly ``v``
``{"enum": [a, b]}``        one of the values listed
``{"int": [lo, hi]}``       an int ``lo <= n <= hi`` (either bound may be ``None``)
``{"str": "regex"}``        a string the regular expression matches whole
``{"list": S}``             a list of ``S`` (``"min"``/``"max"`` lengths optional)
``{"tuple": [S1, S2]}``     a list of exactly those items, in order
``{"map": {k: S}}``         a dict with exactly those string keys (``"optional": [k]``
                            names keys that may be missing)
``{"dict": S}``             a dict with any string keys and ``S`` values
``{"nullable": S}``         ``None`` or ``S``
``{"one_of": [S1, S2]}``    any of those
``{"ref": name}``           ``defs[name]`` (a schema passed in ``defs``, for recursion)
==========================  ==========================================================

Any dict schema may also carry ``"doc"``: a line the generated reference shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SCALARS = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "any": lambda v: True,
}
_FORMS = (
    "const",
    "enum",
    "int",
    "str",
    "list",
    "tuple",
    "map",
    "dict",
    "nullable",
    "one_of",
    "ref",
)


class SchemaError(ValueError):
    """``value`` does not have the declared shape; ``errors`` lists each mismatch."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


def _form(schema) -> str:
    if isinstance(schema, str):
        if schema not in _SCALARS:
            raise TypeError(f"unknown schema {schema!r}")
        return schema
    if not isinstance(schema, Mapping):
        raise TypeError(f"a schema is a name or a dict, not {schema!r}")
    forms = [key for key in _FORMS if key in schema]
    if len(forms) != 1:
        raise TypeError(f"a schema dict needs exactly one of {_FORMS}: {schema!r}")
    return forms[0]


def errors(schema, value, path: str = "$", defs: Mapping | None = None) -> list[str]:
    """Every way ``value`` differs from ``schema`` (empty: it matches)."""
    form = _form(schema)
    if isinstance(schema, str):
        return [] if _SCALARS[form](value) else [f"{path}: expected {schema}, got {value!r}"]
    arg = schema[form]
    if form == "ref":
        return errors((defs or {})[arg], value, path, defs)
    if form == "const":
        ok = value == arg and type(value) is type(arg)
        return [] if ok else [f"{path}: expected {arg!r}, got {value!r}"]
    if form == "enum":
        ok = any(value == a and type(value) is type(a) for a in arg)
        return [] if ok else [f"{path}: expected one of {arg!r}, got {value!r}"]
    if form == "int":
        lo, hi = arg
        if not _SCALARS["int"](value):
            return [f"{path}: expected int, got {value!r}"]
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return [f"{path}: expected {describe(schema)}, got {value!r}"]
        return []
    if form == "str":
        if not isinstance(value, str) or not re.fullmatch(arg, value):
            return [f"{path}: expected a string matching {arg!r}, got {value!r}"]
        return []
    if form == "nullable":
        return [] if value is None else errors(arg, value, path, defs)
    if form == "one_of":
        found = [errors(option, value, path, defs) for option in arg]
        if any(not e for e in found):
            return []
        return [f"{path}: matches none of {describe(schema)}, got {value!r}"]
    if form in ("list", "tuple"):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        if form == "tuple":
            if len(value) != len(arg):
                return [f"{path}: expected {len(arg)} items, got {len(value)}: {value!r}"]
            return [e for i, s in enumerate(arg) for e in errors(s, value[i], f"{path}[{i}]", defs)]
        found = []
        if "min" in schema and len(value) < schema["min"]:
            found.append(f"{path}: at least {schema['min']} items, got {len(value)}")
        if "max" in schema and len(value) > schema["max"]:
            found.append(f"{path}: at most {schema['max']} items, got {len(value)}")
        for i, item in enumerate(value):
            found += errors(arg, item, f"{path}[{i}]", defs)
        return found
    # map, dict
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return [f"{path}: expected a map with string keys, got {value!r}"]
    if form == "dict":
        return [e for k, v in value.items() for e in errors(arg, v, f"{path}.{k}", defs)]
    optional = set(schema.get("optional", ()))
    found = [f"{path}: unexpected key {k!r}" for k in value if k not in arg]
    found += [f"{path}: missing key {k!r}" for k in arg if k not in value and k not in optional]
    for key, sub in arg.items():
        if key in value:
            found += errors(sub, value[key], f"{path}.{key}", defs)
    return found


def check(schema, value, what: str = "value", defs: Mapping | None = None) -> None:
    """Raise :class:`SchemaError` when ``value`` does not match ``schema``."""
    found = errors(schema, value, what, defs)
    if found:
        raise SchemaError(found)


def matches(schema, value, defs: Mapping | None = None) -> bool:
    return not errors(schema, value, "$", defs)


def describe(schema) -> str:
    """A one-line human description: ``int 0-8``, ``["bid", int 1-.., int 1-6]``..."""
    form = _form(schema)
    if isinstance(schema, str):
        return schema
    arg = schema[form]
    if form == "ref":
        return str(arg)
    if form == "const":
        return _literal(arg)
    if form == "enum":
        return " | ".join(_literal(a) for a in arg)
    if form == "int":
        lo, hi = arg
        if lo is None and hi is None:
            return "int"
        if hi is None:
            return f"int >= {lo}"
        if lo is None:
            return f"int <= {hi}"
        return f"int {lo}-{hi}"
    if form == "str":
        return f"str /{arg}/"
    if form == "nullable":
        return f"{describe(arg)} | null"
    if form == "one_of":
        return " | ".join(describe(a) for a in arg)
    if form == "tuple":
        return "[" + ", ".join(describe(a) for a in arg) + "]"
    if form == "list":
        return f"[{describe(arg)}, ...]"
    if form == "dict":
        return "{str: " + describe(arg) + "}"
    optional = set(schema.get("optional", ()))
    return (
        "{"
        + ", ".join(f"{k}{'?' if k in optional else ''}: {describe(v)}" for k, v in arg.items())
        + "}"
    )


def _literal(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    return repr(value)


def fields(schema, prefix: str = "") -> list[tuple[str, str, str]]:
    """``(path, shape, doc)`` rows for a reference table: the schema, then each key of each
    map inside it (list items as ``name[]``), so every field of a view has a line."""
    rows = [(prefix or "(whole)", describe(schema), _doc(schema))]
    form = None if isinstance(schema, str) else _form(schema)
    if form == "nullable":
        inner = schema["nullable"]
        return rows + fields(inner, prefix)[1:] if not isinstance(inner, str) else rows
    if form == "list" and not isinstance(schema["list"], str):
        return rows + fields(schema["list"], f"{prefix}[]")[1:]
    if form == "map":
        for key, sub in schema["map"].items():
            rows += fields(sub, f"{prefix}.{key}" if prefix else key)
    return rows


def _doc(schema) -> str:
    return schema.get("doc", "") if isinstance(schema, Mapping) else ""
