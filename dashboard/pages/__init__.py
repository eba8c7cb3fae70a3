"""One module per page (``pages/<view>.py``): ``PAGE`` (what Dash's page registry needs), a
``layout(**query)`` function and ``register(app)`` for its callbacks.

``create_app`` registers each page itself, in this order; importing a page module registers
nothing, so a page's functions can be imported and tested without an app.
"""

from __future__ import annotations

from dashboard.pages import (
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

PAGES = (overview, matrix, contracts, systems, suppliers, windows, timeline, my_borough, expiring, report, borough)
