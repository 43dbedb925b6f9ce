"""The declarative view: what a browser draws for a game that has no board of its own.

A game's ``render(view, seat)`` hook returns ``{"items": [ITEM, ...]}``, drawn top to
bottom by the web client (``web_client/src/declarative.js``); it is sent to every client
as ``view["render"]``, so players, spectators and replays all get it. It is computed from
the seat's view (never the position), so it cannot show what the seat may not see.

Items (``RENDER_SCHEMA`` is the exact shape; docs/writing-a-game.md has examples):

* ``{"type": "text", "text": str, "style"?: "title" | "muted" | "strong"}``
* ``{"type": "counter", "label": str, "value": int | str}``
* ``{"type": "grid", "rows": R, "cols": C, "cells": [CELL | null] * (R*C), "label"?}``,
  row by row; ``CELL`` is ``{"color"?, "label"?, "piece"?: {"shape": "disc" | "square"
  | "text", "color"?, "label"?}, "highlight"?: bool, TARGET}``
* ``{"type": "cards", "cards": [{"face": str | null, "color"?, "highlight"?, TARGET}],
  "label"?, "seat"?}``: ``face`` null is a card face down
* ``{"type": "dice", "dice": [{"value": int | null, "highlight"?, TARGET}], "label"?,
  "seat"?}``
* ``{"type": "buttons", "buttons": [{"label": str, TARGET}], "label"?}``
* ``{"type": "group", "items": [ITEM], "label"?, "seat"?, "direction"?: "row" |
  "column", "highlight"?}``: items side by side (``row``, the default) or stacked

``TARGET`` makes an element a legal-move target: ``"move": DATA`` sends exactly that move
data when clicked; ``"moves": [{"label": str, "move": DATA}]`` offers a choice first
(e.g. which opponent to ask). Targets belong in the render of the seat to move only, each
move must be legal, and every legal move must have a target (the kit checks all three:
``renders_are_playable``). Texts and labels may name seats as ``{seat:N}``: clients put
the seat's player name there. ``color`` is a CSS colour name or ``#rgb``/``#rrggbb``.
"""

from __future__ import annotations

from collections.abc import Mapping

COLOR = {"str": r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-z]{3,20}"}
SEAT = {"int": [0, None]}
CHOICE = {"map": {"label": "str", "move": "any"}}
_TARGET = {"move": "any", "moves": {"list": CHOICE, "min": 1}}
_TARGET_KEYS = list(_TARGET)


def _element(fields: dict, required: tuple = ()) -> dict:
    keys = {**fields, **_TARGET}
    return {"map": keys, "optional": [k for k in keys if k not in required]}


PIECE = {
    "map": {"shape": {"enum": ["disc", "square", "text"]}, "color": COLOR, "label": "str"},
    "optional": ["color", "label"],
}
CELL = _element({"color": COLOR, "label": "str", "piece": PIECE, "highlight": "bool"})
CARD = _element({"face": {"nullable": "str"}, "color": COLOR, "highlight": "bool"}, ("face",))
DIE = _element({"value": {"nullable": {"int": [1, 99]}}, "highlight": "bool"}, ("value",))
BUTTON = _element({"label": "str"}, ("label",))


def _item(kind: str, fields: dict, optional: list) -> dict:
    return {"map": {"type": {"const": kind}, **fields}, "optional": optional}


ITEM_SCHEMAS = {
    "text": _item(
        "text", {"text": "str", "style": {"enum": ["title", "muted", "strong"]}}, ["style"]
    ),
    "counter": _item("counter", {"label": "str", "value": {"one_of": ["int", "str"]}}, []),
    "grid": _item(
        "grid",
        {
            "rows": {"int": [1, 64]},
            "cols": {"int": [1, 64]},
            "cells": {"list": {"nullable": CELL}},
            "label": "str",
        },
        ["label"],
    ),
    "cards": _item(
        "cards", {"cards": {"list": CARD}, "label": "str", "seat": SEAT}, ["label", "seat"]
    ),
    "dice": _item("dice", {"dice": {"list": DIE}, "label": "str", "seat": SEAT}, ["label", "seat"]),
    "buttons": _item("buttons", {"buttons": {"list": BUTTON}, "label": "str"}, ["label"]),
    "group": _item(
        "group",
        {
            "items": {"list": {"ref": "item"}},
            "label": "str",
            "seat": SEAT,
            "direction": {"enum": ["row", "column"]},
            "highlight": "bool",
        },
        ["label", "seat", "direction", "highlight"],
    ),
}
DEFS = {"item": {"one_of": list(ITEM_SCHEMAS.values())}}
RENDER_SCHEMA = {"map": {"items": {"list": {"ref": "item"}}}}


def problems(render) -> list[str]:
    """Shape errors of a render (empty: it is well formed), grids' cell counts included."""
    from .schema import errors

    found = errors(RENDER_SCHEMA, render, "render", DEFS)
    if found:
        return found
    for path, item in walk(render):
        if item["type"] == "grid" and len(item["cells"]) != item["rows"] * item["cols"]:
            found.append(f"{path}: a {item['rows']}x{item['cols']} grid needs that many cells")
    return found


def walk(render):
    """``(path, item)`` for every item, groups' items included."""
    stack = [(f"render.items[{i}]", item) for i, item in enumerate(render.get("items", []))]
    while stack:
        path, item = stack.pop(0)
        yield path, item
        if isinstance(item, Mapping) and item.get("type") == "group":
            stack += [(f"{path}.items[{i}]", sub) for i, sub in enumerate(item.get("items", []))]


def _elements(item: Mapping) -> list:
    kind = item.get("type")
    if kind == "grid":
        return [cell for cell in item["cells"] if cell]
    return list(item.get({"cards": "cards", "dice": "dice", "buttons": "buttons"}.get(kind), []))


def targets(render) -> list:
    """Every move data a render offers, in the order drawn (duplicates kept)."""
    found = []
    for _, item in walk(render):
        for element in _elements(item):
            if "move" in element:
                found.append(element["move"])
            for choice in element.get("moves", ()):
                found.append(choice["move"])
    return found


def seat_name(seat: int) -> str:
    """The placeholder a client replaces with the seat's player name: ``{seat:N}``."""
    return "{seat:" + str(seat) + "}"
