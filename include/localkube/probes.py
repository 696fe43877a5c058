"""Container probes, as the kubelet runs them: ``httpGet``, ``tcpSocket`` and ``exec``.

Timing follows the probe's ``initialDelaySeconds``, ``periodSeconds`` (default 10),
``timeoutSeconds`` (1), ``successThreshold`` (1) and ``failureThreshold`` (3). A startup probe
holds the other two back until it succeeds; a readiness probe sets the container's ``ready`` (and
so the pod's Ready condition and its Service endpoints); a liveness (or startup) probe that fails
``failureThreshold`` times in a row has the container killed and restarted under the pod's
``restartPolicy`` (``restartCount`` grows). ``httpGet`` succeeds on a status 200–399; its ``port``
is a number or the name of a container port, ``host`` defaults to the pod IP, ``scheme`` is HTTP
or HTTPS (certificates are not verified, like the kubelet).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from localkube.podspec import StartError, resolve_executable
from localkube.runtime import ExecProcess

USER_AGENT = "kube-probe/1.31"


@dataclass(frozen=True)
class ProbeTiming:
    """The timing fields of a probe, with the Kubernetes defaults."""

    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3

    @classmethod
    def of(cls, probe: Mapping[str, Any]) -> ProbeTiming:
        """Read a probe object."""
        return cls(initial_delay=float(probe.get("initialDelaySeconds") or 0),
                   period=float(probe.get("periodSeconds") or 10), timeout=float(probe.get("timeoutSeconds") or 1),
                   success_threshold=int(probe.get("successThreshold") or 1),
                   failure_threshold=int(probe.get("failureThreshold") or 3))


def resolve_port(port: Any, container: Mapping[str, Any]) -> int:
    """A probe port: a number, or the name of one of the container's ports."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for candidate in container.get("ports") or []:
        if candidate.get("name") == port:
            return int(candidate["containerPort"])
    raise ValueError(f"port {port!r} is not a port of container {container.get('name')!r}")


async def http_get(action: Mapping[str, Any], container: Mapping[str, Any], pod_ip: str,
                   timeout: float) -> tuple[bool, str]:
    """One ``httpGet`` probe: ``(success, message)``."""
    port = resolve_port(action.get("port"), container)
    host = action.get("host") or pod_ip
    path = action.get("path") or "/"
    if not path.startswith("/"):
        path = "/" + path
    context = None
    if str(action.get("scheme") or "HTTP").upper() == "HTTPS":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    headers = {"Host": f"{host}:{port}", "User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
    for header in action.get("httpHeaders") or []:
        headers[str(header.get("name"))] = str(header.get("value", ""))
    request = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"

    async def attempt() -> tuple[bool, str]:
        reader, writer = await asyncio.open_connection(host, port, ssl=context)
        try:
            writer.write(request.encode("latin-1"))
            await writer.drain()
            line = await reader.readline()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        parts = line.decode("latin-1").split()
        if len(parts) < 2 or not parts[1].isdigit():
            return False, f"HTTP probe failed: malformed status line {line[:80]!r}"
        code = int(parts[1])
        if 200 <= code < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {code}"

    try:
        return await asyncio.wait_for(attempt(), timeout)
    except TimeoutError:
        return False, f'Get "http://{host}:{port}{path}": context deadline exceeded (Client.Timeout exceeded)'
    except OSError as exc:
        return False, f'Get "http://{host}:{port}{path}": dial tcp {host}:{port}: {exc.strerror or exc}'


async def tcp_socket(action: Mapping[str, Any], container: Mapping[str, Any], pod_ip: str,
                     timeout: float) -> tuple[bool, str]:
    """One ``tcpSocket`` probe."""
    port = resolve_port(action.get("port"), container)
    host = action.get("host") or pod_ip
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        return False, f"dial tcp {host}:{port}: {getattr(exc, 'strerror', None) or 'i/o timeout'}"
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return True, ""


async def exec_probe(action: Mapping[str, Any], env: Mapping[str, str], cwd: str, mounts: Mapping[str, str], *,
                     limits: Any, timeout: float) -> tuple[bool, str]:
    """One ``exec`` probe: the command runs in the container's environment; exit code 0 succeeds."""
    command = [str(a) for a in action.get("command") or []]
    if not command:
        return False, "exec probe has no command"
    try:
        argv = resolve_executable(command, env, mounts)
    except StartError as exc:
        return False, str(exc)
    process = ExecProcess(argv, env, cwd, limits)
    proc = await process.start(stdin=False)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        process.kill()
        with contextlib.suppress(Exception):
            await proc.wait()
        return False, f"command {command!r} timed out"
    process.kill()
    if proc.returncode == 0:
        return True, ""
    text = (out + err).decode("utf-8", "replace").strip()[-200:]
    return False, f"command {command!r} exited with {proc.returncode}: {text}"


Check = Callable[[], Awaitable[tuple[bool, str]]]


async def probe_loop(check: Check, timing: ProbeTiming, alive: Callable[[], bool],
                     on_result: Callable[[bool, str, int], None], start_after: asyncio.Event | None = None) -> None:
    """Run ``check`` on its schedule while ``alive()``; ``on_result(ok, message, streak)`` after each.

    ``streak`` counts consecutive equal results (successes or failures).
    """
    if start_after is not None:
        await start_after.wait()
    if timing.initial_delay:
        await asyncio.sleep(timing.initial_delay)
    last: bool | None = None
    streak = 0
    loop = asyncio.get_running_loop()
    while alive():
        began = loop.time()
        try:
            ok, message = await check()
        except ValueError as exc:
            ok, message = False, str(exc)
        if not alive():
            return
        streak = streak + 1 if ok == last else 1
        last = ok
        on_result(ok, message, streak)
        await asyncio.sleep(max(timing.period - (loop.time() - began), 0.05))
