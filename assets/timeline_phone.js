/* The timeline's phone layout (dashboard/figures/timeline.py draws it for a wide screen): on a narrow
   screen the row labels (a text trace) are shortened (the hover keeps the whole name), the margins and fonts shrink
   and the title wraps, so the bars get the width instead of the labels. Applied in the browser after
   each draw, since only the browser knows how wide it is; a figure already adapted is left alone. */
(function () {
  var NARROW = 576; /* px: Bootstrap's "sm" breakpoint */
  var LABEL = 18; /* characters of a row label kept */
  var LABELS = "Row labels"; /* the text trace that names the rows (dashboard/figures/timeline.py) */
  var LABEL_PX = 6.2; /* pixels per character of a label at 10px */

  function cut(text, n) {
    var plain = text.replace(/<[^>]*>/g, "");
    if (plain.length <= n) { return text; }
    var lane = plain.match(/^(.*)( \(\d+\))$/); /* "Camden (2)": a borough's second lane keeps its number */
    if (lane) { return cut(lane[1], n - lane[2].length) + lane[2]; }
    var head = plain.slice(0, n);
    var amp = head.lastIndexOf("&");
    if (amp >= 0 && head.indexOf(";", amp) < 0) { head = head.slice(0, amp); } /* never half an entity */
    head = head.replace(/\s+$/, "") + "…";
    return /^<b>/.test(text) ? "<b>" + head + "</b>" : head;
  }

  function wrap(text, n) {
    var lines = [], line = "";
    text.replace(/<[^>]*>/g, "").split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > n) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.join("<br>");
  }

  function adapt(gd) {
    var layout = gd.layout || {};
    if (window.innerWidth >= NARROW || typeof (window.Plotly || {}).update !== "function" || (layout.meta && layout.meta.phone)) { return; }
    var update = {
      "meta.phone": true,
      "margin.r": 8,
      "legend.font.size": 10,
      "legend.yref": "container", /* under the chart: at the top it covered the years */
      "legend.y": 0,
      "legend.yanchor": "bottom",
      "margin.b": 80,
      "margin.t": 90,
      "title.font.size": 13
    };
    var index = (gd.data || []).findIndex(function (t) { return t.name === LABELS; });
    var restyle = {};
    if (index >= 0) {
      var labels = (gd.data[index].text || []).map(function (t) { return cut(String(t), LABEL); });
      var longest = labels.reduce(function (n, t) { return Math.max(n, t.replace(/<[^>]*>/g, "").length); }, 0);
      restyle = { text: [labels], "textfont.size": 10 };
      update["margin.l"] = Math.ceil(longest * LABEL_PX) + 8; /* the labels are a trace: the margin is set, not measured */
    }
    if (layout.title && layout.title.text) { update["title.text"] = wrap(String(layout.title.text), 34); }
    (layout.annotations || []).forEach(function (a, i) {
      /* the note on what is left out is said above the chart too; on a phone it would run off the side */
      if (a.name === "cap-note") { update["annotations[" + i + "].visible"] = false; }
    });
    window.Plotly.update(gd, restyle, update, index >= 0 ? [index] : []);
  }

  function hook() {
    var host = document.getElementById("timeline-graph");
    var gd = host && host.querySelector(".js-plotly-plot");
    if (!gd || gd.__phoneLayout || typeof gd.on !== "function") { return; }
    gd.__phoneLayout = true;
    gd.on("plotly_afterplot", function () { adapt(gd); });
    adapt(gd);
  }

  new MutationObserver(hook).observe(document.documentElement, { childList: true, subtree: true });
})();
