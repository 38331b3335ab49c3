"""The Redis client: the same calls work on the embedded server and on a real Redis."""

from __future__ import annotations

from app.runtime import Runtime

INCR_IF_BELOW = """
local value = redis.call('INCR', KEYS[1])
if value > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return value
"""


async def test_lua_scripts_run_on_both_backends(runtime: Runtime) -> None:
    script = runtime.redis.register_script(INCR_IF_BELOW)
    results = [await script(keys=["bucket"], args=[2]) for _ in range(3)]
    assert results == [1, 2, 0]


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
