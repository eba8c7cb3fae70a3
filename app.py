"""City Tools dashboard: ``create_app(db_path)`` builds the Dash app; ``server`` is for gunicorn.

    python app.py                      # http://127.0.0.1:8050 (CITYTOOLS_HOST / CITYTOOLS_PORT)
    gunicorn app:server                # the database is $CITYTOOLS_DB or data/citytools.duckdb

Creating the app never opens the database (pages open it per request, see dashboard.db), so
importing this module works before the first ``make data`` and under a pre-forking server.
"""

from __future__ import annotations

import os
from pathlib import Path

import dash

from dashboard import db, exports, filters, pages, serving, signin
from dashboard.layout import nav_pages, shell
from dashboard.texts import PRODUCT

ROOT = Path(__file__).resolve().parent

# Dash's default page, with a language for screen readers and without a stray <footer>
# landmark around the scripts.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div>
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def create_app(db_path: str | Path | None = None) -> dash.Dash:
    """The Dash app reading ``db_path`` (default ``$CITYTOOLS_DB`` or ``data/citytools.duckdb``)."""
    path = Path(db_path) if db_path is not None else db.default_path()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",  # pages are registered below, explicitly, not found by importing a folder
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["vendor"],  # linked explicitly below, so that it comes first
        title=PRODUCT,
        update_title=None,
        # Otherwise Dash calls every page's layout (every page's queries) on each worker's first
        # request, to check callback ids: on a large database that first request takes as long
        # as all pages together. The ids are checked by the tests instead.
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        compress=True,  # Flask-Compress: the page's scripts and every callback, brotli or gzip
    )
    # Bootstrap is served from assets/vendor, not a CDN (works offline and on council networks),
    # and linked before the assets Dash adds itself, so assets/style.css can refine it.
    app.config.external_stylesheets = [app.get_asset_url("vendor/bootstrap.min.css")]
    app.index_string = INDEX_STRING
    app.server.config[db.CONFIG_KEY] = str(path.resolve())
    signin.init_app(app.server)  # first: every later hook and page knows whether a member is asking
    for page in pages.PAGES:
        # Dash's page registry is global: registering the same module again (a second app in one
        # process, as the tests make) replaces its entry rather than adding one.
        dash.register_page(page.__name__, layout=page.layout, **page.PAGE)
        page.register(app)
    serving.init_app(app)  # security headers, 404s, body limit, friendly errors (dashboard/serving.py)
    app.layout = shell()
    filters.register_callbacks(app, nav_pages())
    exports.init_app(app.server)
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(
        host=os.environ.get("CITYTOOLS_HOST", "127.0.0.1"),
        port=int(os.environ.get("CITYTOOLS_PORT", "8050")),
        debug=False,
    )
