"""A loopback TCP proxy that can cut its traffic: for database outages in tests and chaos runs.

``refuse`` closes every connection and refuses new ones (a database that went down and
answers with RST); ``blackhole`` accepts connections and forwards nothing either way (a
route that silently drops packets: no error until a timeout fires); ``restore`` forwards
again. Connections cut while black-holed are closed on restore, as a real peer would
have given up on them.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self, port: int = 0) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        self._drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def refuse(self) -> None:
        self.mode = "refuse"
        self._drop_all()

    def blackhole(self) -> None:
        self.mode = "blackhole"
        self._flowing.clear()

    def restore(self) -> None:
        if self.mode == "blackhole":
            self._drop_all()
        self.mode = "pass"
        self._flowing.set()

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "refuse":
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                await self._flowing.wait()  # black-holed: nothing arrives, nothing fails
                if self.mode != "pass":
                    return
                writer.write(data)
                await writer.drain()
