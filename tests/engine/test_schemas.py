"""Declared formats: the schema vocabulary, every game's declaration, docs/games.md, and the
kit's ``formats_match_schemas`` / ``renders_are_playable`` catching seeded wrong shapes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import engine
from engine import Game, schema
from engine.formats import reference
from engine.testing import EXPECT_FAILURE_SETTINGS, run_property

ROOT = Path(__file__).resolve().parents[2]


# -- the vocabulary --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, good, bad",
    [
        ("int", [0, -3, 10**20], [True, 1.0, "1", None]),
        ("str", ["", "x"], [1, None, b"x"]),
        ("bool", [True, False], [0, None]),
        ("null", [None], [0, False, ""]),
        ({"const": "pass"}, ["pass"], ["Pass", 0]),
        ({"enum": [1, "a"]}, [1, "a"], [True, 2, "b"]),
        ({"int": [0, 8]}, [0, 8], [-1, 9, True]),
        ({"int": [1, None]}, [1, 99], [0]),
        ({"str": "[a-h][1-8]"}, ["e4"], ["e44", "i1", 4]),
        ({"list": "int", "min": 1, "max": 2}, [[1], [1, 2]], [[], [1, 2, 3], ["x"], (1,)]),
        ({"tuple": ["str", "int"]}, [["a", 1]], [["a"], [1, "a"], ["a", 1, 2]]),
        (
            {"map": {"a": "int", "b": "str"}, "optional": ["b"]},
            [{"a": 1}, {"a": 1, "b": ""}],
            [{}, {"a": 1, "c": 2}, {"a": "1"}, [1]],
        ),
        ({"dict": "int"}, [{}, {"x": 1}], [{"x": "1"}, {1: 1}]),
        ({"nullable": "int"}, [None, 3], ["3"]),
        ({"one_of": [{"int": [0, 63]}, {"const": "pass"}]}, [0, "pass"], [64, "Pass"]),
    ],
)
def test_the_validator_accepts_the_shape_and_nothing_else(shape, good, bad):
    for value in good:
        assert schema.matches(shape, value), (shape, value)
    for value in bad:
        assert not schema.matches(shape, value), (shape, value)
        with pytest.raises(schema.SchemaError):
            schema.check(shape, value)


def test_errors_name_the_path_and_describe_reads_like_the_docs():
    shape = {"map": {"bids": {"list": {"map": {"face": {"int": [1, 6]}}}}}}
    assert schema.errors(shape, {"bids": [{"face": 1}, {"face": 7}]}) == [
        "$.bids[1].face: expected int 1-6, got 7"
    ]
    assert schema.describe(engine.get("liars_dice").rules.move_schema) == (
        '["bid", int >= 1, int 1-6] | "challenge"'
    )
    with pytest.raises(TypeError):
        schema.matches({"intt": 1}, 1)


# -- the games' declarations and their reference page ---------------------------------------
@pytest.mark.parametrize("name", engine.names())
def test_every_registered_game_declares_its_formats(name):
    rules = engine.get(name).rules
    assert rules.move_schema is not None and rules.position_schema is not None


def test_docs_games_md_is_generated_from_the_declarations():
    path = ROOT / "docs" / "games.md"
    assert path.read_text(encoding="utf-8") == reference(), (
        "docs/games.md is out of date: python -m engine formats --write docs/games.md"
    )
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert "(games.md)" in protocol


# -- seeded wrong shapes: the kit catches each ---------------------------------------------
def _wrapped_moves(rules):
    """Move data sent as a one-item list: a format the declaration does not allow."""
    parse = rules.parse_move
    return dataclasses.replace(
        rules,
        move_to_data=lambda move, to_data=rules.move_to_data: [to_data(move)],
        parse_move=lambda data: parse(
            data[0] if isinstance(data, list) and len(data) == 1 else data
        ),
    )


def _extra_view_field(rules):
    """A view whose position has a field (or a type) the declaration does not list."""
    base_view = rules.view or (lambda position, seat: rules.encode(position))

    def view(position, seat):
        data = base_view(position, seat)
        return {**data, "debug": 1} if isinstance(data, dict) else [data]

    return dataclasses.replace(rules, view=view)


@pytest.mark.parametrize("name", engine.names())
@pytest.mark.parametrize("seeded", [_wrapped_moves, _extra_view_field])
def test_formats_match_schemas_catches_a_wrong_shape(name, seeded):
    broken = Game(seeded(engine.get(name).rules))
    with pytest.raises(AssertionError, match="declared"):
        run_property(broken, "formats_match_schemas", max_examples=20, **EXPECT_FAILURE_SETTINGS)


def test_renders_are_playable_catches_a_broken_render():
    rules = engine.get("go_fish").rules

    def no_draw_button(view, seat):  # a legal move without a target
        data = rules.render(view, seat)
        return {"items": [i for i in data["items"] if i["type"] != "buttons"]}

    def peeking(view, seat):  # targets for a seat that is not to move
        data = rules.render(view, seat)
        return {
            "items": data["items"]
            + [{"type": "buttons", "buttons": [{"label": "x", "move": "draw"}]}]
        }

    def malformed(view, seat):
        return {"items": [{"type": "cards", "cards": [{"face": 7}]}]}

    for render, message in (
        (no_draw_button, "no target"),
        (peeking, "offers"),
        (malformed, "malformed"),
    ):
        broken = Game(dataclasses.replace(rules, render=render))
        with pytest.raises(AssertionError, match=message):
            run_property(broken, "renders_are_playable", max_examples=60, **EXPECT_FAILURE_SETTINGS)


def test_renders_are_playable_catches_a_render_that_shows_another_hand():
    rules = engine.get("go_fish").rules

    def leaky(view, seat):
        data = rules.render(view, seat)
        return {**data, "items": [*data["items"], {"type": "text", "text": repr(view)}]}

    # A render made from the view cannot leak; one that reads the position can.
    game = Game(dataclasses.replace(rules, render=leaky))
    run_property(game, "renders_are_playable", max_examples=10)

    state_holder = {}

    def peeks(view, seat):
        data = rules.render(view, seat)
        hands = state_holder["state"].position.hands if "state" in state_holder else ()
        return {**data, "items": [*data["items"], {"type": "text", "text": str(hands)}]}

    peeking = Game(dataclasses.replace(rules, render=peeks))
    real_view = peeking.view

    def view(state, seat=None):
        state_holder["state"] = state
        return real_view(state, seat)

    peeking.view = view
    with pytest.raises(AssertionError, match="changed the render"):
        run_property(peeking, "renders_are_playable", max_examples=60, **EXPECT_FAILURE_SETTINGS)
