"""A loopback TCP proxy in front of a server: a deterministic slow server (the first byte of
each response held back), a server that goes away and comes back (close, then reopen on the
same port), and a record of every request that went through."""

from __future__ import annotations

import asyncio
import json
import threading


class SlowProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``upstream_port``, its own asyncio loop in a thread."""

    def __init__(self, upstream_port: int, *, first_byte_delay: float = 0.0, port: int = 0) -> None:
        self.upstream_port, self.first_byte_delay = upstream_port, first_byte_delay
        self.sent: list[bytearray] = []
        """What each client connection sent to the server."""
        self.client_left = threading.Event()
        """A client closed its connection (the proxy then hangs up on the server too)."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="slow-proxy", daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", port), self._loop).result(5)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_requests(self) -> list[dict]:
        """The JSON bodies of the chat requests sent through, in order."""
        bodies = []
        for data in self.sent:
            for part in bytes(data).split(b"POST ")[1:]:
                head, _, rest = part.partition(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                if head.startswith(b"/v1/chat/completions"):
                    bodies.append(json.loads(rest[:length]))
        return bodies

    async def _handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        u_reader, u_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        sent = bytearray()
        self.sent.append(sent)

        async def up() -> None:  # client -> server, recorded
            try:
                while data := await c_reader.read(65536):
                    sent.extend(data)
                    u_writer.write(data)
                    await u_writer.drain()
            except ConnectionError:
                pass
            self.client_left.set()
            u_writer.close()  # the client left: so does the proxy, as the client's own socket would

        async def down() -> None:  # server -> client, each response's first byte held back
            try:
                while data := await u_reader.read(65536):
                    if self.first_byte_delay and data.startswith(b"HTTP/"):
                        await asyncio.sleep(self.first_byte_delay)
                    c_writer.write(data)
                    await c_writer.drain()
            except ConnectionError:
                pass
            c_writer.close()

        try:
            await asyncio.gather(up(), down())
        except asyncio.CancelledError:
            u_writer.close()
            c_writer.close()

    def close(self) -> None:
        """Stop listening and drop every connection: the server is gone (connect is refused)."""
        async def shutdown() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(2)
