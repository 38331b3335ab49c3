"""The Redis client: the same calls work on the embedded server and on a real Redis."""

from __future__ import annotations

import pytest
from redis.exceptions import ResponseError

from app.runtime import Runtime
from app.store import run_script

INCR_IF_BELOW = """
local value = redis.call('INCR', KEYS[1])
if value > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return value
"""


async def test_lua_scripts_run_on_both_backends(runtime: Runtime) -> None:
    script = runtime.redis.register_script(INCR_IF_BELOW)
    results = [await script(keys=["bucket"], args=[2]) for _ in range(3)]
    assert results == [1, 2, 0]


async def test_a_script_runs_many_times_in_one_pipeline_in_order(runtime: Runtime) -> None:
    script = runtime.redis.register_script(INCR_IF_BELOW)
    calls = [(["bucket"], [2])] * 3 + [(["other"], [5])]
    assert await run_script(runtime.redis, script, calls) == [1, 2, 0, 1]


async def test_a_script_redis_forgot_is_loaded_again_and_each_call_runs_once(
    runtime: Runtime,
) -> None:
    """A restarted Redis has no scripts: the calls it refused ran nothing, and are sent
    again once the script is loaded."""
    script = runtime.redis.register_script(INCR_IF_BELOW)
    assert await run_script(runtime.redis, script, [(["bucket"], [9])]) == [1]
    await runtime.redis.script_flush()
    assert await run_script(runtime.redis, script, [(["bucket"], [9])] * 2) == [2, 3]
    assert int(await runtime.redis.get("bucket")) == 3


async def test_a_failing_script_call_is_raised(runtime: Runtime) -> None:
    script = runtime.redis.register_script(INCR_IF_BELOW)
    await runtime.redis.set("text", "not a number")
    with pytest.raises(ResponseError):
        await run_script(runtime.redis, script, [(["bucket"], [9]), (["text"], [9])])
    assert await runtime.redis.get("bucket") == b"1"  # the calls before it ran


async def test_streams_and_consumer_groups_work(runtime: Runtime) -> None:
    redis = runtime.redis
    await redis.xgroup_create("clicks", "workers", id="0", mkstream=True)
    await redis.xadd("clicks", {"code": "abc"})
    batch = await redis.xreadgroup("workers", "w1", {"clicks": ">"}, count=10)
    [(_, entries)] = batch
    entry_id, fields = entries[0]
    assert fields == {b"code": b"abc"}
    assert await redis.xack("clicks", "workers", entry_id) == 1


async def test_each_test_starts_with_an_empty_redis(runtime: Runtime) -> None:
    assert await runtime.redis.dbsize() == 0
    await runtime.redis.set("left-behind", "1")
