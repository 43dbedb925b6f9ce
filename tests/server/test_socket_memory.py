"""What an idle game socket holds (docs/benchmarks.md, "Memory per socket").

Deterministic checks, no timing: the per-socket objects have no ``__dict__``, an idle
spectator runs one task (its application's; no extra task waiting for its frames), the
queue daphne hands the application (``boardroom.inbound_queue``) behaves as the part of
``asyncio.Queue`` it replaces, and the memory Python allocates per spectator socket
through the whole ASGI application stays under a generous bound (tracemalloc; the test
communicator's own queues included).
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import pytest

from boardroom.inbound_queue import InboundQueue
from game_server import lifecycle
from game_server.limits import ConnectionLimits, TokenBucket
from tests.server.helpers import anew_game, connect

SOCKETS = 40
# Bytes Python allocates per idle spectator socket through the whole application, the
# test's own side left out: 12.6 KiB, 23.5 KiB before the memory work (issue #14).
MAX_BYTES_PER_SOCKET = 18 * 1024
TEST_SIDE = (tracemalloc.__file__, "*/tests/*", "*/asgiref/testing.py", "*/channels/testing/*")


@pytest.mark.parametrize(
    "make", [InboundQueue, ConnectionLimits, lambda: TokenBucket(1, 1.0)], ids=repr
)
def test_per_socket_objects_have_no_dict(make):
    assert not hasattr(make(), "__dict__")


def test_tracked_connections_have_no_dict():
    assert "__dict__" not in dir(lifecycle.Tracked)
    assert lifecycle.Tracked.__slots__


async def drain(clients) -> None:
    """Read what the game broadcast meanwhile (presence), so that nothing waits in the
    communicators' output queues."""
    for client in clients:
        while not await client.ws.receive_nothing(0.01):
            await client.recv()


def _process_wide(task: asyncio.Task) -> bool:
    return task.get_coro().__qualname__ == "Announcer.flush"


@pytest.mark.django_db(transaction=True)
async def test_an_idle_spectator_socket_runs_one_task_and_stays_small():
    game, _ = await anew_game("connect4")
    warm = [await connect(game.pk) for _ in range(5)]  # caches, first-time allocations
    await drain(warm)
    gc.collect()
    tasks = set(asyncio.all_tasks())
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        clients = [await connect(game.pk) for _ in range(SOCKETS)]
        await drain(warm + clients)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    # The test's side (the messages it read, the communicators) is not the server's.
    test_side = [tracemalloc.Filter(False, f) for f in TEST_SIDE]
    growth = after.filter_traces(test_side).compare_to(before.filter_traces(test_side), "filename")
    per_socket = sum(stat.size_diff for stat in growth) / SOCKETS
    # The application's task only, besides the process's one pending directory announcement.
    new = [t for t in set(asyncio.all_tasks()) - tasks if not _process_wide(t)]
    assert len(new) == SOCKETS
    assert per_socket < MAX_BYTES_PER_SOCKET, f"{per_socket / 1024:.1f} KiB per socket"
    for client in warm + clients:
        await client.close()


def test_the_inbound_queue_is_first_in_first_out():
    queue = InboundQueue()
    assert queue.empty() and queue.qsize() == 0
    for item in range(3):
        queue.put_nowait(item)
    assert queue.qsize() == 3 and not queue.empty()
    assert [queue.get_nowait() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_the_inbound_queue_wakes_a_waiting_reader():
    queue = InboundQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not reader.done()
    queue.put_nowait("connect")
    assert await reader == "connect"
    assert queue.empty()


async def test_a_reader_cancelled_while_waiting_loses_nothing():
    queue = InboundQueue()
    first = asyncio.ensure_future(queue.get())
    second = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("frame")  # wakes the first reader...
    first.cancel()  # ...which is cancelled before it takes the frame
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == "frame"  # the frame went to the other reader
    lone = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    lone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lone
    queue.put_nowait("later")
    assert await queue.get() == "later"
