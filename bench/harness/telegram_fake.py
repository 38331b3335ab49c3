"""The fake Telegram Bot API of the tests (`tests/fakes/telegram_api.py`), in a process of
its own for the broadcast benchmark, so that the server and the engine it measures do not
share one event loop (or one core).

    python bench/harness/telegram_fake.py      # prints its base URL on the first line

Besides the Bot API it serves two routes for the benchmark only:
`POST /_bench/reset` with `{"per_second_limit": 30 | null}` forgets every call and sets
the flood limit; `GET /_bench/stats` answers the sends accepted per chat, their arrival
times (wall clock, so that another process can compare them with its own) and the 429s.
It listens on 127.0.0.1 only, and stops on SIGTERM or when its stdin closes.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


class RecordingFake(FakeTelegram):
    """The fake, plus when each accepted send arrived and a count of 429s."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: list[float] = []
        self.accepted_chats: Counter[int] = Counter()
        self.throttled = 0

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        # No await between the fake's append and here: the last call is this request's.
        method = self.calls[-1].method
        if method == "sendMessage":
            self.accepted_at.append(time.time())
            self.accepted_chats[int(self.calls[-1].params.get("chat_id", 0))] += 1
        elif method.endswith("#429"):
            self.throttled += 1
        del self.calls[:]  # keep memory flat over long runs; the counters say it all
        return response

    def reset(self, per_second_limit: int | None) -> None:
        self.per_second_limit = per_second_limit
        self._window.clear()
        self.accepted_at.clear()
        self.accepted_chats.clear()
        self.throttled = 0

    def stats(self, with_times: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "sent": len(self.accepted_at),
            "http_429": self.throttled,
            "chats": len(self.accepted_chats),
        }
        if with_times:
            result["per_chat"] = {str(k): v for k, v in self.accepted_chats.items()}
            result["times"] = self.accepted_at
        return result


async def serve() -> None:
    fake = RecordingFake()

    async def reset(request: web.Request) -> web.Response:
        body = await request.json()
        fake.reset(body.get("per_second_limit"))
        return web.json_response({"ok": True})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(fake.stats(request.query.get("full") == "1"))

    base_url = await fake.start()
    assert fake._server is not None and fake._server.app is not None
    # Routes added after start: aiohttp freezes the router, so go through a sub-server.
    control = web.Application()
    control.router.add_post("/_bench/reset", reset)
    control.router.add_get("/_bench/stats", stats)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    control_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"{base_url} http://127.0.0.1:{control_port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.read(1) else None)
    await stop.wait()
    await runner.cleanup()
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(serve())
