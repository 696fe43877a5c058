"""``pods/exec`` over WebSocket, channel protocol ``v4.channel.k8s.io``.

Frames carry a channel byte first: 0 stdin, 1 stdout, 2 stderr, 3 the final ``Status`` (error
channel), 4 resize. The kubernetes python client sends stdin as TEXT frames, so both frame types
are accepted. After the command ends the server sends the status and closes the socket — a client
such as KubernetesPodOperator waits for that close.

In a real container the argv runs as a local process with the container's environment, working
directory and limits; what it leaves running is killed when it exits. A *virtual* container (KPO's
``airflow-xcom-sidecar``) has no process: a tiny interpreter runs the few commands KPO sends it —
``cat``/``echo``/``[ -s FILE ]``/``if … fi`` over the container's volume mounts, and ``kill`` which
stops the sidecar and closes the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from localkube.errors import bad_request
from localkube.kubelet import Kubelet
from localkube.podspec import StartError, map_path, resolve_executable
from localkube.podstate import Container, PodRuntime, require_running
from localkube.runtime import ExecProcess

PROTOCOL = "v4.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR = 0, 1, 2, 3
_SHELLS = {"sh", "bash", "ash", "dash"}


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def exit_status(argv: list[str], code: int) -> dict[str, Any]:
    """The error-channel ``Status`` for an exit code."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command {argv}, "
                       f"exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


class VirtualShell:
    """Runs the small shell subset KPO sends its XCom sidecar, against the sidecar's mounts."""

    def __init__(self, mounts: dict[str, str]) -> None:
        self.mounts = mounts
        self.killed = False

    def run(self, script: str) -> tuple[bytes, bytes, int]:
        """Execute ``script``; returns (stdout, stderr, exit code)."""
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";")
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError as exc:
            return b"", f"sh: syntax error: {exc}\n".encode(), 2
        out, err = bytearray(), bytearray()
        try:
            nodes, _ = self._parse(tokens, 0, ())
            code = self._exec_seq(nodes, out, err)
        except SyntaxError as exc:
            return bytes(out), f"sh: syntax error: {exc}\n".encode(), 2
        return bytes(out), bytes(err), code

    def _parse(self, tokens: list[str], i: int, stop: tuple[str, ...]) -> tuple[list[Any], int]:
        nodes: list[Any] = []
        while i < len(tokens) and tokens[i] not in stop:
            if tokens[i] == ";":
                i += 1
                continue
            if tokens[i] == "if":
                cond, i = self._parse(tokens, i + 1, ("then",))
                then, i = self._parse(tokens, i + 1, ("else", "fi"))
                other: list[Any] = []
                if i < len(tokens) and tokens[i] == "else":
                    other, i = self._parse(tokens, i + 1, ("fi",))
                if i >= len(tokens) or tokens[i] != "fi":
                    raise SyntaxError("expected fi")
                nodes.append(("if", cond, then, other))
                i += 1
                continue
            words = []
            while i < len(tokens) and tokens[i] != ";":
                words.append(tokens[i])
                i += 1
            nodes.append(("cmd", words))
        return nodes, i

    def _exec_seq(self, nodes: list[Any], out: bytearray, err: bytearray) -> int:
        code = 0
        for node in nodes:
            if self.killed:
                break
            if node[0] == "if":
                branch = node[2] if self._exec_seq(node[1], out, err) == 0 else node[3]
                code = self._exec_seq(branch, out, err)
            else:
                code = self._command(node[1], out, err)
        return code

    def _command(self, words: list[str], out: bytearray, err: bytearray) -> int:
        name, args = words[0], words[1:]
        if name in ("[", "test"):
            if name == "[":
                if not args or args[-1] != "]":
                    err += b"sh: missing ]\n"
                    return 2
                args = args[:-1]
            if len(args) == 2 and args[0] in ("-s", "-f", "-e", "-d"):
                path = map_path(args[1], self.mounts)
                checks = {"-s": lambda p: os.path.isfile(p) and os.path.getsize(p) > 0,
                          "-f": os.path.isfile, "-e": os.path.exists, "-d": os.path.isdir}
                return 0 if checks[args[0]](path) else 1
            err += f"sh: unsupported test {args}\n".encode()
            return 2
        if name == "cat":
            code = 0
            for arg in args:
                try:
                    with open(map_path(arg, self.mounts), "rb") as fh:
                        out += fh.read()
                except OSError:
                    err += f"cat: can't open '{arg}': No such file or directory\n".encode()
                    code = 1
            return code
        if name == "echo":
            out += (" ".join(args) + "\n").encode()
            return 0
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name == "kill":
            self.killed = True
            return 0
        err += f"sh: {name}: not found (localkube's virtual sidecar runs only cat, echo, test, kill)\n".encode()
        return 127


async def _send(ws: web.WebSocketResponse, channel: int, data: bytes) -> None:
    if data and not ws.closed:
        await ws.send_bytes(bytes([channel]) + data)


async def _finish(ws: web.WebSocketResponse, argv: list[str], code: int) -> web.WebSocketResponse:
    if not ws.closed:
        await ws.send_bytes(bytes([ERROR]) + json.dumps(exit_status(argv, code)).encode())
        await ws.close()
    return ws


def _frame(msg: Any) -> tuple[int, bytes] | None:
    if msg.type == WSMsgType.TEXT and msg.data:
        return ord(msg.data[0]), msg.data[1:].encode()
    if msg.type == WSMsgType.BINARY and msg.data:
        return msg.data[0], bytes(msg.data[1:])
    return None


async def _virtual(ws: web.WebSocketResponse, kubelet: Kubelet, target: tuple[PodRuntime, Container],
                   argv: list[str], stdin: bool) -> web.WebSocketResponse:
    runtime, container = target
    shell = VirtualShell(container.mounts)

    async def run(script: str) -> int:
        out, err, code = shell.run(script)
        await _send(ws, STDOUT, out)
        await _send(ws, STDERR, err)
        if shell.killed:
            kubelet.stop_virtual(runtime, container, 0)
        return code

    base = os.path.basename(argv[0])
    if base in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        return await _finish(ws, argv, await run(argv[2]))
    if base in _SHELLS and len(argv) == 1 and stdin:
        pending, code = b"", 0
        async for msg in ws:
            frame = _frame(msg)
            if frame is None or frame[0] != STDIN:
                continue
            pending += frame[1]
            while b"\n" in pending and not shell.killed:
                line, pending = pending.split(b"\n", 1)
                code = await run(line.decode("utf-8", "replace"))
            if shell.killed:
                break
        return await _finish(ws, argv, code)
    return await _finish(ws, argv, await run(shlex.join(argv)))


async def _pump(stream: asyncio.StreamReader | None, send: Callable[[bytes], Awaitable[None]]) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        await send(chunk)


async def _real(ws: web.WebSocketResponse, container: Container, argv: list[str], stdin: bool) -> web.WebSocketResponse:
    try:
        resolved = resolve_executable(argv, container.env, container.mounts)
    except StartError as exc:
        await _send(ws, STDERR, f"{exc}\n".encode())
        return await _finish(ws, argv, 126)
    process = ExecProcess(resolved, container.env, container.cwd, container.limits)
    proc = await process.start(stdin)
    container.execs.add(process)
    pumps = [asyncio.create_task(_pump(proc.stdout, lambda d: _send(ws, STDOUT, d))),
             asyncio.create_task(_pump(proc.stderr, lambda d: _send(ws, STDERR, d)))]

    async def feed() -> None:
        async for msg in ws:
            frame = _frame(msg)
            if frame and frame[0] == STDIN and proc.stdin is not None:
                proc.stdin.write(frame[1])
                with contextlib.suppress(ConnectionError):
                    await proc.stdin.drain()
        process.kill()  # the client went away

    reader = asyncio.create_task(feed())
    try:
        code = await proc.wait()
        process.kill()  # what the command left behind ends with it
        _, pending = await asyncio.wait(pumps, timeout=2)
        for task in pending:
            task.cancel()
    finally:
        container.execs.discard(process)
        reader.cancel()
        process.kill()
    return await _finish(ws, argv, 128 - code if code < 0 else code)


async def handle_exec(request: web.Request, kubelet: Kubelet) -> web.StreamResponse:
    """``GET|POST /api/v1/namespaces/{namespace}/pods/{name}/exec``."""
    query = request.query
    argv = query.getall("command", [])
    if not argv:
        raise bad_request("you must specify at least 1 command")
    runtime, container = kubelet.container(request.match_info["namespace"], request.match_info["name"],
                                           query.get("container"))
    require_running(runtime, container)
    if _truthy(query.get("tty")):
        raise bad_request("localkube does not support tty exec sessions")
    ws = web.WebSocketResponse(protocols=(PROTOCOL,), autoping=True)
    await ws.prepare(request)
    stdin = _truthy(query.get("stdin"))
    if container.virtual:
        return await _virtual(ws, kubelet, (runtime, container), argv, stdin)
    return await _real(ws, container, argv, stdin)
