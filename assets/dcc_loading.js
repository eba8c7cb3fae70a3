/* What dcc loads late, loaded early, or not at all: the first view waits for less.

   1. plotly.js starts loading with the page, not after its first callbacks have returned.
   dcc.Graph fetches plotly.js the first time a chart mounts, that is after the page's callbacks have
   come back and drawn it: the fetch and plotly's own start-up (~0.1-0.2 s of script) then come last,
   one after the other, while the browser had sat idle waiting for the server. Here the file is
   preloaded at once and run as soon as the renderer has sent the page's first callbacks, so plotly
   starts up while those are on the server.
   Until it has run, window.Plotly is a promise of it. dcc.Graph's loader does
   `Promise.resolve(window.Plotly || <load it>)`: a promise is taken as "loading", so a chart that
   mounts early waits for this load instead of fetching plotly.js a second time. plotly.js itself sets
   window.Plotly when it runs; the promise resolves after that. If the load fails, window.Plotly is
   cleared, so a chart mounted later loads it dcc.Graph's own way.

   2. The dcc chunks every first view needs (dropdowns of the filter bar, Markdown tables, the chart
   wrapper) are preloaded too: dcc fetches each only when its first component mounts, one more round
   trip in the chain.

   3. dcc.Markdown loads highlight.js (~140 KB of script) on its first mount, to colour code blocks,
   unless window.hljs is there. City Tools' Markdown never has code blocks (data is escaped as text,
   dashboard.layout.markdown_text), so window.hljs is a stand-in that highlights nothing.

   Tested in Chromium (tests/browser/test_dcc_loading.py): plotly.js is added once (also when its
   response is held back until the charts have mounted), charts and Markdown tables draw, no
   highlight.js is fetched, and the page runs under the Content-Security-Policy without errors. */
(function () {
  if (!window.hljs) { window.hljs = { highlightElement: function () {} }; }
  if (window.Plotly) { return; }
  var config = document.getElementById("_dash-config");
  var prefix = config ? (JSON.parse(config.textContent).requests_pathname_prefix || "/") : "/";
  var url = prefix + "_dash-component-suites/plotly/package_data/plotly.min.js"; /* dcc.Graph's own URL */

  var chunks = ["async-dropdown.js"].map(function (name) {
    return prefix + "_dash-component-suites/dash/dcc/" + name;
  });
  [url].concat(chunks).forEach(function (href) {
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
