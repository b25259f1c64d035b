"""Studio: the web page ``streamgraph dev`` (and ``serve --studio``) serves at ``/studio/``.

The page is a single-page app built from ``studio/`` at the repository root by
``make studio`` (Node.js is needed only there); the built files live in ``page/`` beside
this module and ship in the wheel, so serving them needs nothing but Python. The page talks
to the server through the same public HTTP API the SDK uses: it has no route of its own
beyond its files.

Files are read once, gzip-compressed once (the page weighs a fraction of that on the wire)
and served from memory with an ETag. Only the files found in ``page/`` at startup can be
served: a request names one of them or gets a 404, so no path can reach outside it. Views
inside the page are addressed by the URL's fragment (``/studio/#/thread/...``), so the
server never needs to know them.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ("PAGE", "PREFIX", "studio_routes")

PAGE = Path(__file__).parent / "page"
PREFIX = "/studio"
# Small files gain nothing from compression (and a few bytes of header cost more).
COMPRESS_ABOVE = 512


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def load_assets(folder: Path = PAGE) -> dict[str, Asset]:
    """Every file under ``folder`` by its relative path, with its gzip form."""
    assets: dict[str, Asset] = {}
    if not folder.is_dir():
        return assets
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type.endswith(("javascript", "json", "svg+xml")):
            media_type += "; charset=utf-8"
        gzipped = gzip.compress(body, 9, mtime=0) if len(body) > COMPRESS_ABOVE else None
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        assets[path.relative_to(folder).as_posix()] = Asset(body, gzipped, media_type, etag)
    return assets


def _send(request: Request, asset: Asset) -> Response:
    headers = {
        "etag": asset.etag,
        # Revalidate every load: a new build must show at once, and a 304 costs little.
        "cache-control": "no-cache",
        "vary": "accept-encoding",
        "x-content-type-options": "nosniff",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    accepted = request.headers.get("accept-encoding", "")
    if asset.gzipped is not None and "gzip" in accepted:
        headers["content-encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def studio_routes(folder: Path = PAGE, prefix: str = PREFIX) -> list[BaseRoute]:
    """Routes serving the page under ``prefix``: ``prefix`` redirects to ``prefix/`` (so
    the page's relative links resolve), ``prefix/`` is the page, ``prefix/<file>`` a file."""
    assets = load_assets(folder)

    async def redirect(request: Request) -> Response:
        query = request.url.query
        return RedirectResponse(prefix + "/" + (f"?{query}" if query else ""), status_code=307)

    async def page(request: Request) -> Response:
        index = assets.get("index.html")
        if index is None:
            return PlainTextResponse(
                f"The studio page is missing from {folder} (build it with `make studio`).", 503
            )
        return _send(request, index)

    async def file(request: Request) -> Response:
        asset = assets.get(request.path_params["path"])
        if asset is None:
            return PlainTextResponse("Not found", 404)
        return _send(request, asset)

    return [
        Route(prefix, redirect, methods=["GET", "HEAD"]),
        Route(prefix + "/", page, methods=["GET", "HEAD"]),
        Route(prefix + "/{path:path}", file, methods=["GET", "HEAD"]),
    ]
