"""bench/chaos.py at a small scale, so that the chaos run keeps working: a few games on
two processes through a server killed with -9 and through duplicate and racing moves,
and not one acknowledged move lost or doubled, nor one client left on a wrong state."""

from __future__ import annotations

import asyncio

import pytest

from bench.chaos import Cluster, run_scenarios

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


async def test_a_small_chaos_run_loses_doubles_and_misleads_nothing(
    postgres_url, private_redis, tmp_path
):
    cluster = Cluster(postgres_url, tmp_path, redis=private_redis)
    try:
        await asyncio.to_thread(cluster.start)
        results = await run_scenarios(
            cluster, ["kill9_server", "duplicates"], games=6, seconds=10, rounds=2
        )
    finally:
        await asyncio.to_thread(cluster.close)
    for result in results:
        assert not result.failed, (result.scenario, result.problems)
        assert result.acked >= 20 and result.stored == result.acked, result
        assert result.spectators >= 8 and result.unanswered == 0, result
    killed, racing = results
    assert killed.reconnects > 0  # the clients of the killed process came back elsewhere
    assert racing.rejections["stale_version"] > 0  # the different moves did race
