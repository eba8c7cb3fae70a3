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
