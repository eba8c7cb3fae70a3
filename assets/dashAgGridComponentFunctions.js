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
