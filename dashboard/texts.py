"""Words the app says in more than one place: the licence credit and the sample-data warning.

Written once, so a page, an export, the calendar and the report credit the Open Government
Licence and warn about sample data in the same words.
"""

from __future__ import annotations

PRODUCT = "City Tools"
TAGLINE = "London borough technology contracts"

OGL = "Contains public sector information licensed under the Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

SAMPLE_NOTICE = (
    "Sample data: these figures come from the made-up sample inputs shipped with City Tools, "
    "not from real borough returns. Do not quote them."
)

NO_DATABASE = "No database yet: run `make data` to build it, then reload this page."

# Who sees the survey answers given in confidence (dashboard.access, dashboard.signin).
PUBLIC_NOTICE = (
    "Public view: what a system costs a borough, how confident and satisfied it is, its comments "
    "and whom to call are survey answers given in confidence, shown to signed-in members only."
)
DEMO_NOTICE = (
    "every visitor sees the members-only survey answers, because this server holds only sample "
    "data. It never does this with real survey returns."
)
