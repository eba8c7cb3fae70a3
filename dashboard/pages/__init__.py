"""One module per page; Dash imports each and registers it with ``dash.register_page``."""
