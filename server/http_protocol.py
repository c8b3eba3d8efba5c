"""The HTTP/1.1 parser the server runs under uvicorn: h11, whose limit on a request's head (16 KiB) keeps a
client from filling memory with headers, answering a request it cannot parse as every other client mistake
is answered: a 400 with {"error": "..."} in JSON (uvicorn's own answer is a line of plain text)."""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_LIMIT_KIB = 16  # h11's limit on a request line and headers together, which uvicorn keeps
UNREADABLE = (
    "the request is not valid HTTP/1.1 (a malformed request line or header, or a head larger than "
    f"{HEAD_LIMIT_KIB} KiB)"
)


class JsonErrorH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"error": UNREADABLE}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                data = self.conn.send(event)
                if data:
                    self.transport.write(data)
        except h11.LocalProtocolError:
            pass  # an answer had already begun: closing is all that is left
        self.transport.close()
