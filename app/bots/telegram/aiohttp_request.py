"""python-telegram-bot's HTTP layer on aiohttp, for the broadcast sender.

PTB's default client (httpx) costs about 2.5–3.4 ms of CPU per sendMessage here; a
plain aiohttp session costs about a tenth of that (measured by bench/broadcast.py).
Only text requests are needed (the sender never uploads files), so file uploads are
refused. `post_json` is the sender's own way in: a JSON body and the raw answer, without
the objects PTB builds around each call.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(self, pool_size: int = 64, timeout: float = 10.0) -> None:
        self.pool_size = pool_size
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            raise NetworkError("file uploads are not supported by this client")
        await self.initialize()
        assert self._session is not None
        data = request_data.json_parameters if request_data is not None else None
        try:
            async with self._session.request(method, url, data=data) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc}") from exc

    async def post_json(self, url: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        """POST `payload` as JSON; the status and body, whatever the status."""
        await self.initialize()
        assert self._session is not None
        try:
            async with self._session.post(url, json=payload) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc}") from exc
