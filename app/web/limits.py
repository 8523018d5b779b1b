"""The size limit of uploaded workbooks (POST /import): a body declared larger than `max_upload_mb`, or sent
without a declared length, is refused before it is read (413 / 411), so that an upload cannot fill the disk."""
from __future__ import annotations

import json

UPLOAD_PATHS = ("/import",)


class UploadLimit:
    """Pure ASGI middleware: checks Content-Length of POSTs to the upload paths, passes everything else through."""

    def __init__(self, app, max_bytes: int, paths: tuple[str, ...] = UPLOAD_PATHS):
        self.app, self.max_bytes, self.paths = app, max_bytes, paths

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths:
            headers = dict(scope["headers"])
            declared = headers.get(b"content-length")
            if declared is None or not declared.isdigit():
                return await _refuse(send, 411, "上传须声明长度（Content-Length）",
                                     "an upload must declare its length (Content-Length)")
            if int(declared) > self.max_bytes:
                mb = self.max_bytes / (1 << 20)
                return await _refuse(send, 413, f"文件过大：上传上限为 {mb:g} MB（GOVCAT_MAX_UPLOAD_MB）",
                                     f"the file is too large: uploads are limited to {mb:g} MB (GOVCAT_MAX_UPLOAD_MB)")
        await self.app(scope, receive, send)


async def _refuse(send, status: int, zh: str, en: str) -> None:
    body = json.dumps({"detail": {"zh": zh, "en": en}}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
