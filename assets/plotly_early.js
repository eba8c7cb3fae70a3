/* plotly.js starts loading with the page, not after its first callbacks have returned.

   dcc.Graph fetches plotly.js the first time a chart mounts, that is after the page's callbacks have
   come back and drawn it: the fetch and plotly's own start-up (~0.1-0.2 s of script) then come last,
   one after the other, while the browser had sat idle waiting for the server. Here the file is
   preloaded at once and run as soon as the page's own scripts have run (DOMContentLoaded, once Dash's
   renderer has sent its first requests), so plotly starts up while those requests are on the server.

   Until it has run, window.Plotly is a promise of it. dcc.Graph's loader does
   `Promise.resolve(window.Plotly || <load it again>)`: a promise is taken as "loading", so a chart that
   mounts early waits for this load instead of fetching plotly.js a second time. plotly.js itself sets
   window.Plotly when it runs; the promise resolves after that. If the load fails, window.Plotly is
   cleared so that dcc.Graph's own loader tries again. Tested in Chromium (tests/browser/test_plotly_early.py):
   charts draw and plotly.js is fetched and run once. */
(function () {
  if (window.Plotly) { return; }
  var config = document.getElementById("_dash-config");
  var prefix = config ? (JSON.parse(config.textContent).requests_pathname_prefix || "/") : "/";
  var url = prefix + "_dash-component-suites/plotly/package_data/plotly.min.js"; /* dcc.Graph's own URL */

  [url, prefix + "_dash-component-suites/dash/dcc/async-graph.js"].forEach(function (href) {
    var hint = document.createElement("link"); /* fetched now, run when wanted */
    hint.rel = "preload";
    hint.as = "script";
    hint.href = href;
    document.head.appendChild(hint);
  });

  var ready = new Promise(function (resolve, reject) {
    function run() {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function (e) {
        if (window.Plotly === ready) { window.Plotly = undefined; }
        reject(e);
      };
      document.head.appendChild(script);
    }
    /* Run it once the renderer has sent the page's first callbacks: while they are on the server the
       browser has nothing else to do. Earlier, it would hold up the renderer's own start. */
    var fetch = window.fetch;
    window.fetch = function (input) {
      if (String((input && input.url) || input).indexOf("_dash-update-component") >= 0) {
        window.fetch = fetch;
        setTimeout(run, 0); /* after this task, which sends the other first callbacks too */
      }
      return fetch.apply(this, arguments);
    };
  });
  ready.catch(function () { /* dcc.Graph says so where a chart cannot be drawn */ });
  window.Plotly = ready;
})();
