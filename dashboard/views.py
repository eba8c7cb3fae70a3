"""The app's views, listed once: each view's path, URL keys and exports (declared beside its
logic in ``dashboard/logic/<view>.py``).

Everything that needs to know which views exist asks here: the app registers their pages in
this order, the filter bar keeps the current view's keys, the export route finds a view's
table, and links are built with the target view's keys. Nothing depends on import order.
"""

from __future__ import annotations

from dashboard import state
from dashboard.logic import (
    about,
    borough,
    contracts,
    expiring,
    matrix,
    my_borough,
    overview,
    report,
    suppliers,
    systems,
    timeline,
    windows,
)

ALL: tuple[state.View, ...] = (
    overview.VIEW,
    matrix.VIEW,
    contracts.VIEW,
    systems.VIEW,
    suppliers.VIEW,
    windows.VIEW,
    timeline.VIEW,
    my_borough.VIEW,
    expiring.VIEW,
    report.VIEW,
    borough.VIEW,
    about.VIEW,
)
BY_STEM: dict[str, state.View] = {v.stem: v for v in ALL}
# export name (``/export/<name>.csv``) -> its table function, and -> the view it belongs to
EXPORTS: dict[str, state.TableFunction] = {name: table for view in ALL for name, table in view.exports.items()}
EXPORT_VIEWS: dict[str, state.View] = {name: view for view in ALL for name in view.exports}


def get(stem: str) -> state.View:
    return BY_STEM[stem]


def at(pathname: str | None) -> state.View | None:
    """The view served at a path (``/borough/E09000007`` is the borough view), or None."""
    path = (pathname if isinstance(pathname, str) else "/").rstrip("/") or "/"  # a forged callback: anything
    for view in ALL:
        base = view.path.split("/<", 1)[0]
        if path == view.path or (base != view.path and path.startswith(base + "/")):
            return view
    return None
