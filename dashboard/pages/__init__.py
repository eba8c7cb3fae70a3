"""One module per page (``pages/<view>.py``, the stem of its view): ``PAGE`` (what Dash's page
registry needs), a ``layout(**query)`` function and ``register(app)`` for its callbacks.

``create_app`` registers each page itself, in the order of ``dashboard.views.ALL``; importing a
page module registers nothing, so a page's functions can be imported and tested without an app.
"""

from __future__ import annotations

from importlib import import_module

from dashboard import views

PAGES = tuple(import_module(f"{__name__}.{view.stem}") for view in views.ALL)
