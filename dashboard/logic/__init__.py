"""Each view's logic without Dash: one module per view (``logic/<view>.py``), named as its
queries, figures and page are. A module declares its view's URL keys and exports (its ``VIEW``)
and holds the plain functions that turn query results into what the page, its exports, feeds
and reports show, so tests call them without an app or a browser."""
