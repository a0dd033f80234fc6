"""A Slack Socket Mode endpoint on 127.0.0.1 (port 0): a WebSocket server (RFC 6455, text frames,
ping/pong, close) in a thread, for slack-sdk's built-in Socket Mode client.

Point the client at it through the Slack server's `apps.connections.open`
(`SlackServer.socket_url = server.url`). `push(type, payload)` sends an envelope to every
connected client, as Slack does; `acks` records the envelope ids the clients acknowledged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socketserver
import struct
import threading
import uuid
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class SocketModeServer:
    def __init__(self) -> None:
        self.acks: list[str] = []
        self.connected = threading.Event()
        self._clients: list[socketserver.StreamRequestHandler] = []
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = uuid.uuid4().hex
        message = {
            "type": kind,
            "envelope_id": envelope_id,
            "payload": payload,
            "accepts_response_payload": False,
        }
        with self._lock:
            for client in self._clients:
                _send(client, TEXT, json.dumps(message).encode())
        return envelope_id

    def __enter__(self) -> SocketModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _send(client: socketserver.StreamRequestHandler, opcode: int, data: bytes) -> None:
    size = len(data)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    client.wfile.write(head + data)
    client.wfile.flush()


def _read_frame(client: socketserver.StreamRequestHandler) -> tuple[int, bytes] | None:
    head = client.rfile.read(2)
    if len(head) < 2:
        return None
    opcode, size = head[0] & 0x0F, head[1] & 0x7F
    if size == 126:
        size = struct.unpack("!H", client.rfile.read(2))[0]
    elif size == 127:
        size = struct.unpack("!Q", client.rfile.read(8))[0]
    mask = client.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = client.rfile.read(size)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _handler(server: SocketModeServer) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            headers = {}
            for line in iter(self.rfile.readline, b"\r\n"):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest())
            self.wfile.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            with server._lock:
                _send(self, TEXT, json.dumps({"type": "hello", "num_connections": 1}).encode())
                server._clients.append(self)
            server.connected.set()
            try:
                self._serve()
            finally:
                with server._lock:
                    server._clients.remove(self)

        def _serve(self) -> None:
            while (frame := _read_frame(self)) is not None:
                opcode, data = frame
                if opcode == PING:
                    with server._lock:
                        _send(self, PONG, data)
                elif opcode == CLOSE:
                    with server._lock:
                        _send(self, CLOSE, data[:2])
                    return
                elif opcode == TEXT:
                    envelope = json.loads(data).get("envelope_id")
                    if envelope:
                        server.acks.append(envelope)

    return Handler
