"""The nginx configuration of docs/deploy works: TLS in front of two replicas, client
addresses passed on, and a dead replica routed around."""

from __future__ import annotations

import asyncio
import shutil
import signal
import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest

from app.runtime import Runtime
from tests.faults.conftest import Processes
from tests.faults.test_faults import shared_link
from tests.helpers import eventually
from tests.processes import ROOT, free_port
from tests.referrals.test_clicks import CHROME

pytestmark = pytest.mark.faults
CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"


def nginx_config(tmp: Path, https_port: int, http_port: int, upstreams: list[int]) -> Path:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=advocacy.example.com",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    text = CONFIG.read_text()
    text = text.replace("server 127.0.0.1:8081", f"server 127.0.0.1:{upstreams[0]}")
    text = text.replace("server 127.0.0.1:8082", f"server 127.0.0.1:{upstreams[1]}")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace(
        "/etc/letsencrypt/live/advocacy.example.com/fullchain.pem", str(tmp / "cert.pem")
    )
    text = text.replace(
        "/etc/letsencrypt/live/advocacy.example.com/privkey.pem", str(tmp / "key.pem")
    )
    text = text.replace(
        "http {",
        f"http {{\n    access_log {tmp}/access.log;\n"
        f"    client_body_temp_path {tmp};\n"
        f"    proxy_temp_path {tmp};",
    )
    path = tmp / "nginx.conf"
    path.write_text(text)
    return path


async def listening(port: int) -> bool:
    """Something accepts connections on `port` (nginx opens every port before serving)."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as exc:
        raise AssertionError(f"nothing listens on {port}: {exc}") from exc
    writer.close()
    await writer.wait_closed()
    return True


async def test_nginx_serves_two_replicas_and_routes_around_a_dead_one(
    processes: Processes, runtime: Runtime, tmp_path: Path
) -> None:
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (.ci/run installs it)")
    link = await shared_link(runtime)
    first, first_url = await processes.web(PROXY_COUNT="1")
    _, second_url = await processes.web(PROXY_COUNT="1")
    ports = [int(first_url.rsplit(":", 1)[1]), int(second_url.rsplit(":", 1)[1])]
    https_port, http_port = free_port(), free_port()
    config = nginx_config(tmp_path, https_port, http_port, ports)
    pid_and_log = f"pid {tmp_path}/nginx.pid; error_log stderr;"
    check = await asyncio.to_thread(
        subprocess.run,
        ["nginx", "-t", "-c", str(config), "-p", str(tmp_path), "-g", pid_and_log],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    nginx = await asyncio.create_subprocess_exec(
        "nginx",
        "-c",
        str(config),
        "-p",
        str(tmp_path),
        "-g",
        f"daemon off; {pid_and_log}",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await eventually(lambda: listening(https_port), what="nginx listening")
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        base = f"https://127.0.0.1:{https_port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"http://127.0.0.1:{http_port}/jobs", allow_redirects=False
            ) as plain:
                assert plain.status == 301  # plain HTTP goes to HTTPS
            statuses = []
            for n in range(10):
                spoofed = {"User-Agent": CHROME, "X-Forwarded-For": f"203.0.113.{n}"}
                async with session.get(
                    f"{base}/r/{link.code}", ssl=insecure, allow_redirects=False, headers=spoofed
                ) as response:
                    statuses.append(response.status)
                if n == 4:
                    first.send_signal(signal.SIGKILL)  # one replica dies
            assert statuses == [302] * 10
            async with session.get(f"{base}/metrics", ssl=insecure) as metrics:
                assert metrics.status == 200  # allowed from 127.0.0.1 (the config denies others)
        await runtime.click_worker().drain()
        from app.referrals.models import Click

        clicks = await Click.filter(link_id=link.id)
        assert len(clicks) == 10
        # The address nginx saw is used, not what the client wrote in X-Forwarded-For.
        assert len({c.visitor_hash for c in clicks}) == 1
    finally:
        nginx.send_signal(signal.SIGQUIT)
        await asyncio.wait_for(nginx.wait(), timeout=10)
