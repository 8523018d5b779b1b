"""The server's access log, one line a request, written once the response has been sent.

uvicorn writes its access line before it writes the response, so every request waits for the log: about
0.05 ms a request here, a tenth of what the server spends on a saved point lookup at /sparql (bench/RESULTS.md).
`AccessLog` writes the same line (`INFO:     127.0.0.1:50112 - "GET /sparql?… HTTP/1.1" 200`) to the
`govcat.access` logger after the app has answered, while the client is reading the answer; uvicorn's own
access log is turned off (`serve`). A line therefore appears when a response ends (as nginx logs), and a
request whose app failed is logged with the 500 uvicorn answers it with.
"""
from __future__ import annotations

import logging

from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

log = logging.getLogger("govcat.access")


class AccessLog:
    """ASGI middleware: `AccessLog(app)`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        status = 500

        async def send_noting_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            log.info('%s - "%s %s HTTP/%s" %d', get_client_addr(scope), scope["method"],
                     get_path_with_query_string(scope), scope["http_version"], status)
