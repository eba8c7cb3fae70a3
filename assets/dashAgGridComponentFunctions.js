/* Cell renderers for dash-ag-grid (looked up by name from columnDefs' cellRenderer). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

/* The public notice of a contract: a link only for http(s) addresses, so a javascript: or
   data: URL in the source data is shown as nothing rather than made clickable. */
dagcomponentfuncs.NoticeLink = function (props) {
  var url = props.value;
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) {
    return null;
  }
  return React.createElement(
    "a",
    {
      href: url,
      target: "_blank",
      rel: "noopener noreferrer",
      "aria-label": "Public notice" + (props.data && props.data.title ? ": " + props.data.title : "") + " (opens in a new tab)",
    },
    "Notice"
  );
};

/* A path on this site (not "//host" nor "/\\host", which browsers read as another site). */
var SITE_PATH = /^\/(?![\/\\])/;

/* Boroughs x services (dashboard/pages/matrix.py): a borough's name as a link to its page. Only a
   path on this site is made a link; the name is a text node, never HTML. A click on it moves in the
   app through assets/shell.js's handler for every plain link; Enter on the focused cell (AG Grid
   keeps the focus on the cell, not on the link) follows it the same way. */
dagcomponentfuncs.MatrixBorough = function (props) {
  var href = props.data && props.data.href;
  var name = props.value == null ? "" : String(props.value);
  var linked = typeof href === "string" && SITE_PATH.test(href);
  var cell = props.eGridCell;
  React.useEffect(function () {
    if (!linked || !cell) {
      return undefined;
    }
    var onKey = function (e) {
      if (e.key === "Enter" && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        e.preventDefault();
        e.stopPropagation();
        window.citytoolsNavigate(href);
      }
    };
    cell.addEventListener("keydown", onKey);
    return function () {
      cell.removeEventListener("keydown", onKey);
    };
  }, [cell, href, linked]);
  if (!linked) {
    return name;
  }
  return React.createElement("a", { href: href }, name);
};

/* A matrix cell: its text (systems, one a line, then the measure's value) on the background the
   server computed for it (row fields "<field>__bg" and "<field>__fg"); no colour is evaluated here. */
var MATRIX_COLOUR = /^#[0-9a-f]{6}$/i;
dagcomponentfuncs.MatrixCell = function (props) {
  if (props.value == null || props.value === "") {
    return null;
  }
  var data = props.data || {};
  var field = props.colDef && props.colDef.field;
  var bg = data[field + "__bg"];
  var fg = data[field + "__fg"];
  var style = {};
  if (MATRIX_COLOUR.test(bg) && MATRIX_COLOUR.test(fg)) {
    style = { backgroundColor: bg, color: fg };
  }
  return React.createElement("div", { className: "matrix-cell-body", style: style }, String(props.value));
};
