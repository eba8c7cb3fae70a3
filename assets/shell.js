/* Clientside callbacks of the app shell (dashboard/filters.py register_shell_callbacks): opening
   and closing the phone menu and the folded filter bar needs no server round trip. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  citytools: Object.assign({}, (window.dash_clientside || {}).citytools, {
    /* The menu button toggles the menu; moving to another page closes it. */
    toggleMenu: function (nClicks, pathname, isOpen) {
      var ctx = window.dash_clientside.callback_context;
      var byButton = ctx.triggered.some(function (t) { return t.prop_id === "nav-toggle.n_clicks"; });
      var open = byButton ? !isOpen : false;
      return [open, open ? "true" : "false"];
    },
    /* "Filters (n set)" shows or hides the bar's controls (CSS folds them on narrow screens only). */
    toggleFilters: function (nClicks, className) {
      var classes = (className || "filter-body").split(/\s+/).filter(function (c) { return c && c !== "open"; });
      var open = !/(^|\s)open(\s|$)/.test(className || "");
      if (open) { classes.push("open"); }
      return [classes.join(" "), open ? "true" : "false"];
    }
  })
});
