"""Anonymous readers of City Tools, for locust (``make loadtest`` runs it; see loadtest/run.py).

Each simulated user opens view pages the way a browser does (the HTML shell, then Dash's page
router callback that renders the view, then the filter bar's callback), with filters drawn from
the database's own boroughs, suppliers, systems and service areas; changes a filter; and
downloads exports. The callback bodies are built from the app's own ``/_dash-dependencies``,
so they are the requests the renderer sends. Only a loopback host is accepted.

    CITYTOOLS_DB=data/bench/inputs-50000/citytools.duckdb locust -f loadtest/locustfile.py --host http://127.0.0.1:8051

``LOADTEST_SKIP`` (view stems, comma-separated) leaves views and their exports out.
"""

from __future__ import annotations

import ipaddress
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import duckdb
from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import db, views  # noqa: E402  (the repository root is added above)

ROUTER_OUTPUT = "_pages_content.children"
FILTER_INPUT = "filter-borough"  # the filter bar's callback is the one with this input
VALUES: dict[str, list[str]] = {}  # filter key -> values found in the database
DEPENDENCIES: list[dict] = []
# views left out (LOADTEST_SKIP=my_borough,windows), to measure the rest without one slow view
SKIP = {stem.strip() for stem in os.environ.get("LOADTEST_SKIP", "").split(",") if stem.strip()}
VIEWS = [view for view in views.ALL if view.stem not in SKIP]
EXPORTS = sorted(name for name, view in views.EXPORT_VIEWS.items() if view.stem not in SKIP)


def database_values(path: Path, limit: int = 40) -> dict[str, list[str]]:
    """The most common boroughs, suppliers, systems and service areas of the database."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for key, column in (
            ("borough", "borough_code"),
            ("supplier", "supplier_name"),
            ("system", "system_name"),
            ("service_area", "service_area"),
        ):
            sql = f"SELECT {column} FROM contracts WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT ?"
            out[key] = [row[0] for row in con.execute(sql, [limit]).fetchall()]
        return out
    finally:
        con.close()


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost
        return False


@events.test_start.add_listener
def _prepare(environment, **_kwargs) -> None:
    if not is_loopback(urlsplit(environment.host or "").hostname or ""):
        raise SystemExit(f"loadtest: refusing {environment.host!r}: only 127.0.0.1 may be load tested")
    VALUES.update(database_values(db.default_path()))


def split_outputs(output: str) -> list[dict]:
    """A callback's ``output`` string as the renderer's ``outputs`` list (``..a.b...c.d..``)."""
    names = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for name in names:
        component, prop = name.split("@", 1)[0].rsplit(".", 1)
        out.append({"id": component, "property": prop})
    return out


def callback_body(dep: dict, values: dict[str, object], changed: str) -> dict:
    """The POST body of a callback, each input and state valued from ``values`` (``id.property``)."""

    def valued(items: list[dict]) -> list[dict]:
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    outputs = split_outputs(dep["output"])
    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": valued(dep["inputs"]),
        "changedPropIds": [changed],
        "state": valued(dep["state"]),
    }


def random_state() -> dict[str, list[str]]:
    """Filters as a reader picks them: none, or one or two values of one or two keys."""
    st: dict[str, list[str]] = {}
    for key in random.sample(sorted(VALUES), k=random.choice((0, 0, 1, 1, 2))):
        if VALUES[key]:
            st[key] = random.sample(VALUES[key], k=min(len(VALUES[key]), random.choice((1, 1, 2))))
    return st


def view_path(view) -> str:
    """The view's path; a borough page for one of the database's boroughs."""
    if "<" in view.path:
        return view.path.split("<", 1)[0] + random.choice(VALUES["borough"] or ["E09000007"])
    return view.path


class Reader(HttpUser):
    """An anonymous reader: pages with their callbacks, a filter change now and then, exports."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        if not DEPENDENCIES:
            DEPENDENCIES.extend(self.client.get("/_dash-dependencies", name="/_dash-dependencies").json())
        self.router = next(d for d in DEPENDENCIES if ROUTER_OUTPUT in d["output"])
        self.filters = next(d for d in DEPENDENCIES if any(i["id"] == FILTER_INPUT for i in d["inputs"]))

    def _callback(self, dep: dict, values: dict, changed: str, name: str) -> None:
        with self.client.post(
            "/_dash-update-component", json=callback_body(dep, values, changed), name=name, catch_response=True
        ) as response:
            if response.status_code == 200 and "response" not in response.json():
                response.failure("no 'response' in the callback's answer")

    def _filter_values(self, path: str, search: str, st: dict) -> dict:
        values = {"url.pathname": path, "url.search": search, "filter-clear.n_clicks": None}
        values.update({f"filter-{k}.value": st.get(k, []) for k in ("borough", "supplier", "system", "service_area")})
        values.update({"filter-end_from.value": "", "filter-end_to.value": "", "filter-q.value": ""})
        values.update({"filter-scope.value": "it", "filter-source.value": "all"})
        return values

    @task(6)
    def open_page(self) -> None:
        view = random.choice(VIEWS)
        path, st = view_path(view), random_state()
        search = "?" + urlencode(st, doseq=True) if st else ""
        self.client.get(path + search, name=f"page {view.path}")
        router_values = {"_pages_location.pathname": path, "_pages_location.search": search}
        self._callback(self.router, router_values, "_pages_location.pathname", f"render {view.path}")
        self._callback(self.filters, self._filter_values(path, search, st), "url.search", "filter bar (load)")

    @task(2)
    def change_filter(self) -> None:
        view = random.choice(VIEWS)
        path, st = view_path(view), random_state()
        key = random.choice([k for k in ("borough", "supplier") if VALUES.get(k)] or ["borough"])
        st[key] = [random.choice(VALUES[key])] if VALUES.get(key) else []
        self._callback(self.filters, self._filter_values(path, "", st), f"filter-{key}.value", "filter bar (change)")

    @task(2)
    def export(self) -> None:
        name = random.choice(EXPORTS)
        fmt = random.choice(("csv", "csv", "xlsx"))
        st = random_state() or {"borough": [random.choice(VALUES["borough"])]}
        self.client.get(f"/export/{name}.{fmt}?{urlencode(st, doseq=True)}", name=f"export {name}.{fmt}")
