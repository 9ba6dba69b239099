"""A TCP link of limited bandwidth in front of a server: uploads that take real seconds on the wire."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType


class SlowLink:
    """Forwards 127.0.0.1:`port` (picked at start) to 127.0.0.1:`target`, client to server at `bytes_per_second`.

    TLS passes through untouched, so the server's certificate still names the host the client asked for.
    """

    CHUNK = 16_384

    def __init__(self, target: int, bytes_per_second: int) -> None:
        self.target = target
        self.bytes_per_second = bytes_per_second
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="slow-link", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> SlowLink:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connect, "127.0.0.1", 0), self._loop
        ).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            pipes = asyncio.all_tasks() - {asyncio.current_task()}
            for task in pipes:
                task.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _connect(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target)
        pace = self.CHUNK / self.bytes_per_second
        await asyncio.gather(
            self._pipe(client_reader, server_writer, pace),
            self._pipe(server_reader, client_writer, 0.0),
            return_exceptions=True,
        )

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pace: float) -> None:
        try:
            while chunk := await reader.read(SlowLink.CHUNK):
                writer.write(chunk)
                await writer.drain()
                if pace:
                    await asyncio.sleep(pace * len(chunk) / SlowLink.CHUNK)
        finally:
            writer.close()
