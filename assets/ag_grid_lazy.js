/* AG Grid's script loaded when a grid first mounts, not with every page.

   dash-ag-grid's bundle is 1.3 MB of script: on every full page load Chromium spent ~180 ms parsing
   it and 35-75 ms of the main thread running it, on pages that draw no grid (the overview, the
   timeline, the expiring list...). A page served at a path that draws a grid (/contracts,
   /matrix) links it as before; any other page links none and names its URL in the data block
   #citytools-deferred instead (dashboard/serving.py, deferred_grid). Then window.dash_ag_grid is
   this stand-in: its AgGrid draws an empty box of the grid's size until the real bundle has loaded
   (it loads it on its first mount), then renders the real AgGrid with the same props. If the
   bundle cannot be fetched, the box says so (role="alert") and the next grid to mount tries again.

   The stand-in stays window.dash_ag_grid after the bundle has run: the bundle's own assignment is
   caught by a setter, so the renderer never sees the component type change under a mounted grid
   (React would mount a new grid and lose its scroll and selection). The stand-in carries what the
   renderer reads of a component class: dashRenderType (so each render says whether it came from
   the grid's own setProps) and dashPersistence. Everything else (getApi, what the bundle's chunk
   adds, such as useGridFilter) is the bundle's, once it has run. The chunk writes the stand-in back
   to window.dash_ag_grid (window.dash_ag_grid = window.dash_ag_grid || {}): the setter ignores that,
   or the stand-in would render itself.

   Tested in Chromium (tests/browser/test_grid_loading.py): no AG Grid request on a page without a
   grid; a grid reached in the app draws with the bundle fetched once, the stand-in still the class
   the renderer resolves, getApiAsync answering and a sort (the grid's own setProps) reaching the
   URL; a grid page opened directly links the bundle; a failed fetch leaves the message. All under
   the Content-Security-Policy, without errors. */
(function () {
  var block = document.getElementById("citytools-deferred");
  if (!block || window.dash_ag_grid) { return; }
  var src = JSON.parse(block.textContent).dash_ag_grid;
  var React = window.React;
  var real = null;
  var loading = null;

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { real ? resolve(real) : reject(new Error("AG Grid did not register")); };
        script.onerror = function () {
          loading = null; /* the next grid to mount tries again */
          reject(new Error("AG Grid's script failed to load: " + src));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function AgGrid(props) {
    var state = React.useState(real);
    var grid = state[0];
    var setGrid = state[1];
    var failed = React.useState(null);
    React.useEffect(function () {
      if (grid) { return undefined; }
      var live = true;
      load().then(function (ns) { if (live) { setGrid(ns); } },
                  function (error) { if (live) { failed[1](error.message); } });
      return function () { live = false; };
    }, []);
    if (grid) { return React.createElement(grid.AgGrid, props); }
    /* a box of the grid's size meanwhile (its id may be a dict: only the real grid writes one) */
    return React.createElement("div", {className: props.className, style: props.style,
                                       role: failed[0] ? "alert" : undefined}, failed[0] || null);
  }
  AgGrid.dashRenderType = true;

  var own = {
    AgGrid: AgGrid,
    getApi: function (id) {
      if (!real) { throw new Error("no grid found, or grid is not initialized yet, with id: " + id); }
      return real.getApi(id);
    },
    getApiAsync: function (id) { return load().then(function (ns) { return ns.getApiAsync(id); }); },
  };
  /* anything else the bundle exports, or its chunks add (useGridFilter), is the bundle's */
  var lazy = new Proxy(own, {
    get: function (target, key) { return key in target || !real ? target[key] : real[key]; },
    has: function (target, key) { return key in target || (!!real && key in real); },
  });
  Object.defineProperty(window, "dash_ag_grid", {
    configurable: true,
    get: function () { return lazy; },
    set: function (ns) {
      /* the bundle registering itself; its chunk writes back what it read (window.dash_ag_grid ||= {}) */
      if (!ns || ns === lazy) { return; }
      real = ns;
      if (ns.AgGrid && ns.AgGrid.dashPersistence) { AgGrid.dashPersistence = ns.AgGrid.dashPersistence; }
    },
  });
})();
