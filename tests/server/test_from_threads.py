"""Sends from worker threads (game_server.from_threads) never wait for an event loop.

A CI run hung for an hour: a worker thread sent with ``async_to_sync`` after its test's
event loop had stopped (not yet closed), waited forever for that loop, and Channels'
single database thread with it, so every later consumer test failed."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from game_server import fanout, from_threads
from lobby import notify


def _stopped_loop_with_thread(work):
    """Run ``work`` in a ``sync_to_async`` thread called in by a loop that has stopped
    (and is not closed) by the time ``work`` runs. Returns (loop, finished event)."""
    started, go, finished = threading.Event(), threading.Event(), threading.Event()

    def in_thread():
        started.set()
        go.wait(10)
        work()
        finished.set()

    async def call_in():
        asyncio.ensure_future(sync_to_async(in_thread, thread_sensitive=False)())
        await asyncio.to_thread(started.wait, 10)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(call_in())
    go.set()
    return loop, finished


@pytest.mark.parametrize(
    "send",
    [
        lambda: notify.send_now(notify.DIRECTORY_GROUP, {"type": "lobby.online", "online": 1}),
        lambda: fanout.publish([{"type": "game.update", "game": "g1", "version": 1}]),
    ],
    ids=["lobby notify", "game broadcast"],
)
def test_a_thread_whose_loop_stopped_sends_without_waiting(send):
    loop, finished = _stopped_loop_with_thread(send)
    try:
        assert finished.wait(5), "the thread waited for a stopped event loop"
    finally:
        loop.run_until_complete(asyncio.sleep(0.05))  # let a hung thread go, then clean up
        loop.close()


async def test_sends_from_a_thread_arrive_in_order_and_the_thread_does_not_wait():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("from-threads", channel)
    sent = threading.Event()

    def send_many():
        for number in range(50):
            notify.send_now("from-threads", {"type": "test.number", "number": number})
        sent.set()

    await sync_to_async(send_many)()
    assert sent.is_set()
    received = [(await layer.receive(channel))["number"] for _ in range(50)]
    assert received == list(range(50))


def test_a_thread_no_loop_called_in_sends_here():
    layer = get_channel_layer()
    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add("from-threads-alone", channel))
    thread = threading.Thread(
        target=notify.send_now, args=("from-threads-alone", {"type": "test.alone"})
    )
    thread.start()
    thread.join(5)
    assert asyncio.run(layer.receive(channel)) == {"type": "test.alone"}


async def test_a_failed_send_is_logged_and_the_next_one_still_goes(caplog):
    done = asyncio.Event()

    async def fails():
        raise ConnectionError("layer down")

    async def succeeds():
        done.set()

    def in_thread():
        from_threads.send_from_thread(fails)
        from_threads.send_from_thread(succeeds)

    with caplog.at_level(logging.ERROR, logger="game_server.from_threads"):
        await sync_to_async(in_thread)()
        await asyncio.wait_for(done.wait(), 5)
    assert "a send from a thread failed: fails" in caplog.text
