"""Property: whatever bytes or msgpack values a spectator sends, every frame gets exactly
one documented answer (error, reject, pong, or the snapshot/moves of a resync) and the
game never changes."""

from __future__ import annotations

import msgpack
import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game_server.models import Game
from tests.server.helpers import anew_game, connect

pytestmark = pytest.mark.django_db(transaction=True)

TYPES = ["move", "resign", "offer_draw", "accept_draw", "decline_draw", "resync", "chat"]
ANSWERS = {"error", "reject", "pong", "snapshot", "moves"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.one_of(
    values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(TYPES) | st.text(max_size=10)},
        optional={
            "move": values,
            "version": values,
            "request_id": values,
            "text": values,
        },
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    frames=st.lists(
        messages.map(msgpack.packb) | st.binary(min_size=1, max_size=40), min_size=1, max_size=8
    )
)
async def test_arbitrary_messages_from_a_spectator_never_change_the_game(frames):
    game, tokens = await anew_game()
    spectator = await connect(game.pk)
    for frame in frames:
        await spectator.send_raw(frame)
        answer = await spectator.expect(*ANSWERS)
        assert answer["type"] in ANSWERS
    assert await spectator.quiet(0.05)
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.version == 0 and stored.status == "active"
    await spectator.close()
