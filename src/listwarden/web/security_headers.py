"""Security headers on every response, as a plain ASGI middleware.

Starlette's ``@app.middleware("http")`` wraps each request in a task group and a memory stream
to hand the handler a ``Response``; on a consultation that alone cost about a tenth of the
server's time. This one only edits the headers of ``http.response.start`` as it passes.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    """Add ``headers`` to each response that does not set them itself; pages get ``page_csp``
    instead of the API's policy, and files under ``cacheable`` may be cached by browsers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: Mapping[str, str],
        page_csp: str,
        cacheable: tuple[str, ...],
    ) -> None:
        self.app = app
        self.headers = dict(headers)
        self.page_csp = page_csp
        self.cacheable = cacheable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope.get("path", "").startswith(self.cacheable)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if cacheable:
                    headers.setdefault("Cache-Control", "public, max-age=3600")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.page_csp)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
