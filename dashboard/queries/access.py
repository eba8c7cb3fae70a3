"""The public face of the database: temporary views that blank the members-only fields.

``dashboard.access`` holds the rule (which columns, and when); this module turns it into SQL and
runs it on a cursor, so that a cursor handed to a non-member reads only public values under the
tables' own names. Temporary views belong to the cursor that made them: a member's cursor, or
another request's, never sees them.
"""

from __future__ import annotations

import json

import duckdb

from dashboard import access

# Where a value "came from a survey" in a table without a ``source`` column: a merged contract
# records the fields it took from a survey row.
SURVEY_CONDITIONS = {"contracts": "list_contains(coalesce(survey_fields, []::VARCHAR[]), '{column}')"}
DEFAULT_SURVEY_CONDITION = "source = 'survey'"
# Views of the database built over those tables, shadowed too so that they read the public rows.
DEPENDENT_VIEWS = {
    "record_warnings": "SELECT record_id, source, source_ref, unnest(warnings) AS warning FROM contract_records"
}


def _masked(table: str, column: str) -> str:
    if (table, column) in access.FIELD_MAPS:
        fields = [c for c in access.members_only(table) if (table, c) not in access.FIELD_MAPS]
        patch = json.dumps(dict.fromkeys(fields)).replace("'", "''")
        kept = f"nullif(json_merge_patch({column}, '{patch}')::VARCHAR, '{{}}')::JSON"
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {kept} END AS {column}"
    condition = SURVEY_CONDITIONS.get(table, DEFAULT_SURVEY_CONDITION).format(column=column)
    # an unknown answer to "did it come from a survey?" is read as yes: closed, not open
    return f"CASE WHEN coalesce({condition}, true) THEN NULL ELSE {column} END AS {column}"


def public_views_sql(catalog: str) -> str:
    """CREATE TEMP VIEW statements shadowing each table with its members-only fields blanked.

    ``catalog`` is the database's own name (``current_database()``), so that each view reads the
    real table, not itself. A rule naming a column the database lacks makes the statement fail,
    and the request with it: a database built before a rule existed is never read as public.
    """
    quoted = '"' + catalog.replace('"', '""') + '"'
    tables: dict[str, list[str]] = {}
    for rule in access.rules():
        tables.setdefault(rule.table, []).append(rule.column)
    statements = [
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * REPLACE ({', '.join(_masked(table, c) for c in columns)}) "
        f"FROM {quoted}.main.{table}"
        for table, columns in tables.items()
    ]
    statements += [f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}" for name, sql in DEPENDENT_VIEWS.items()]
    return ";\n".join(statements)


def make_public(cur: duckdb.DuckDBPyConnection) -> None:
    """Shadow the tables on ``cur`` so that it reads what the public may see."""
    (catalog,) = cur.execute("SELECT current_database()").fetchone()
    cur.execute(public_views_sql(catalog))
