"""The interactive API docs (Swagger UI) at ``/docs``, entirely from this server.

Swagger UI's files come from the ``swagger-ui-bundle`` package, so the docs work without
internet access, under the board's strict Content-Security-Policy. Swagger UI starts from one
inline script, which the policy admits by its hash and nothing else inline. There is no ReDoc
page: no Python package ships its files.
"""

from __future__ import annotations

import re
from pathlib import Path

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from slotwise.web.errors import StaticNotFound
from slotwise.web.pages import page_headers

OPENAPI_URL = "/openapi.json"
DOCS_PATH = "/docs"
_ASSETS_PATH = f"{DOCS_PATH}/assets"
_ASSET_DIR = Path(str(swagger_ui_bundle.swagger_ui_path))
# Served by name from this list only: a request can never reach another file.
_ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_router(*, title: str) -> APIRouter:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{title} API",
        swagger_js_url=f"{_ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{_ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{_ASSETS_PATH}/favicon-32x32.png",
        # Swagger UI would otherwise show a badge image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    # Swagger UI's style sheet draws its icons as data: SVG images.
    headers = page_headers(inline_scripts=tuple(_INLINE_SCRIPT.findall(html)), data_images=True)
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_PATH, response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    @router.get(f"{_ASSETS_PATH}/{{name}}", response_class=FileResponse)
    async def docs_asset(name: str) -> FileResponse:
        media_type = _ASSET_TYPES.get(name)
        if media_type is None:
            raise StaticNotFound(f"No docs file {name!r}")
        return FileResponse(
            _ASSET_DIR / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
        )

    return router
