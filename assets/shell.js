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

/* A plain click on a link to a page of this site that nothing else handled (a link inside a
   dcc.Markdown table, an html.A) moves in the app as dcc.Link does: the address is pushed and
   Dash's dcc.Location draws the new page in place, no reload. Downloads, the sign-in pages,
   Dash's own routes, other sites, links with a target or a modifier key (a new tab) are left to
   the browser. */
(function () {
  var NOT_PAGES = /^\/(?:_|assets\/|static\/|export\/|report\/|calendar\.ics|sign-(?:in|out)(?:$|[/?#]))/;

  window.citytoolsNavigate = function (href) {
    window.history.pushState({}, "", href);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  };

  window.citytoolsInApp = function (a) {
    if (!a || a.target || a.hasAttribute("download") || a.origin !== window.location.origin) {
      return false;
    }
    var here = window.location;
    if (a.hash && a.pathname === here.pathname && a.search === here.search) {
      return false;  /* a place on this page (the skip link): the browser scrolls and moves the focus */
    }
    return !NOT_PAGES.test(a.pathname);
  };

  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    var a = e.target && e.target.closest ? e.target.closest("a[href]") : null;
    if (!window.citytoolsInApp(a)) {
      return;
    }
    e.preventDefault();
    window.citytoolsNavigate(a.pathname + a.search + a.hash);
  });
})();
