"""docs/games.md, generated from each registered game's declared formats.

``python -m engine formats --write docs/games.md`` rewrites it; ``tests/engine/
test_schemas.py`` fails when the file differs from what the games declare, and the kit's
``formats_match_schemas`` fails when a game's moves or views differ from its declaration.
"""

from __future__ import annotations

from . import registry, schema

HEADER = """# Game formats

Generated from each game's `move_schema` and `position_schema` by
`python -m engine formats --write docs/games.md`; do not edit by hand. The conformance kit
checks every legal move and every view against these (`formats_match_schemas`), and a
test fails when this page is out of date. Shapes are written in the vocabulary of
`engine/schema.py`: `int 0-8` an integer in that range, `str /regex/` a string matching
it whole, `[a, b]` a list of exactly those items, `[a, ...]` a list of any length, `{k: v}`
a map with exactly those keys (`k?` may be missing), `a | b` either, `"x"` that string.

What every view carries around `position` (`game`, `players`, `ply`, `to_move`,
`legal_moves`, `outcome`, `render`...) is in [protocol.md](protocol.md) (*View*); the
`render` vocabulary of the declarative view is in
[writing-a-game.md](writing-a-game.md#the-declarative-view-drawing-a-game-without-a-board).
"""


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def game_section(game) -> str:
    rules = game.rules
    hidden = (
        " Hidden information: each seat's view shows only what it may see."
        if (rules.hidden_information)
        else ""
    )
    players = (
        f"{game.min_players} players"
        if game.min_players == game.max_players
        else f"{game.min_players}-{game.max_players} players"
    )
    lines = [
        f"## {game.title} (`{game.name}`)",
        "",
        f"{rules.description} {players}.{hidden}"
        + (" Drawn in the browser from its declarative `render`." if rules.render else ""),
        "",
    ]
    if rules.move_schema is None and rules.position_schema is None:
        return "\n".join(lines + ["No formats declared.", ""])
    if rules.move_schema is not None:
        lines += [
            "**Move** (the `move` a client sends, and each item of `legal_moves`):",
            "",
            f"`{_escape(schema.describe(rules.move_schema))}`",
            "",
        ]
        doc = rules.move_schema.get("doc") if isinstance(rules.move_schema, dict) else None
        if doc:
            lines += [doc, ""]
    if rules.position_schema is not None:
        lines += [
            "**Position** (`view.position`):",
            "",
            "| field | shape | meaning |",
            "| --- | --- | --- |",
        ]
        rows = schema.fields(rules.position_schema)
        for path, shape, doc in rows[1:] if len(rows) > 1 else rows:
            lines.append(f"| `{path}` | `{_escape(shape)}` | {_escape(doc)} |")
        lines.append("")
    return "\n".join(lines)


def reference() -> str:
    games = [registry.get(name) for name in sorted(registry.names())]
    return HEADER + "\n" + "\n".join(game_section(game) for game in games)
