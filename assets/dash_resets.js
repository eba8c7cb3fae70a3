/* Dash's renderer (4.2 to 4.4.1) dispatches RESET_COMPONENT_STATE once for every component a callback
   draws anew, to drop the layout hashes of whatever stood at its place before. Every dispatch makes
   every component on the page run its store selector again, so drawing a page of n components costs
   n x (all components) selector runs: about 660 dispatches and 0.7 s of script when a borough page
   (tables of html.Td) is drawn again after a link's click (plotly/dash#3846 is this regression).

   Most of those dispatches remove nothing: no hash is kept under a newly drawn component's place.
   The reducer then returns an equal copy of the hashes, so skipping the dispatch leaves the store
   exactly as it would have been, minus the selector runs. A dispatch that does remove a hash is
   passed on unchanged. The test is the reducer's own: a hash key (the path joined by ",") that starts
   with the component's path.

   The store is wrapped as the renderer registers it in window.dash_stores (this file runs before the
   renderer, as every asset does). Tested in Chromium (tests/browser/test_dash_resets.py): the borough
   page drawn again by a link's click dispatches few resets, and in-page controls still update. */
(function () {
  var RESET = "RESET_COMPONENT_STATE";

  function removesNothing(store, action) {
    var path = action.payload && action.payload.itempath;
    if (!Array.isArray(path)) { return false; }
    var prefix = path.join(",");
    var hashes = store.getState().layoutHashes || {};
    for (var key in hashes) {
      if (Object.prototype.hasOwnProperty.call(hashes, key) && key.lastIndexOf(prefix, 0) === 0) { return false; }
    }
    return true;
  }

  function wrap(store) {
    if (!store || store.__citytoolsResets) { return; }
    var dispatch = store.dispatch;
    store.dispatch = function (action) {
      if (action && action.type === RESET && removesNothing(store, action)) { return action; }
      return dispatch.apply(this, arguments);
    };
    store.__citytoolsResets = true;
  }

  var stores = window.dash_stores = window.dash_stores || [];
  stores.forEach(wrap);
  var push = stores.push;
  stores.push = function () {
    Array.prototype.forEach.call(arguments, wrap);
    return push.apply(this, arguments);
  };
})();
