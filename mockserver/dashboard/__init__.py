"""The sandbox dashboard: one static page (plain ES modules, a vendored uPlot) served at `/` and `/__admin/ui/`.

The page reads `/v1/usages` like any client and drives the admin API; the server hands out files, and puts the answers
to the page's first requests into the page (`preload`). They are served even with `admin=False` (the page then says the
admin API is off). Assets live under the admin prefix, which the request journal skips.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mockserver.dashboard.preload import page_with_preload
from mockserver.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
UI_PREFIX = "/__admin/ui"
ADMIN_MARKER = 'data-admin="auto"'

# Everything the page loads comes from this server: no CDN, no inline script, no remote image.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)


def render_page(settings: Settings) -> bytes:
    """The page, telling its script whether the admin API is served (the script still probes it for a token)."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return html.replace(ADMIN_MARKER, f'data-admin="{"on" if settings.admin else "off"}"', 1).encode()


def routes(settings: Settings) -> list[Route | Mount]:
    """The dashboard's routes: the page at `/`, `/__admin/ui` and `/__admin/ui/`, its files under `.../static/`."""
    page = render_page(settings)  # once: only the preloaded data block differs between requests

    async def dashboard(request: Request) -> Response:
        headers = {
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return Response(await page_with_preload(request, page), headers=headers, media_type="text/html")

    return [
        Route("/", dashboard, methods=["GET"]),
        Route(UI_PREFIX, dashboard, methods=["GET"]),
        Route(UI_PREFIX + "/", dashboard, methods=["GET"]),
        Mount(UI_PREFIX + "/static", app=StaticFiles(directory=STATIC_DIR), name="dashboard-static"),
    ]
