/* Live tracking status: send the last ETag with each poll and keep the page as it is on 304. */
(function () {
  "use strict";
  function region(elt) {
    return elt && elt.closest ? elt.closest("[data-etag]") : null;
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    var holder = region(evt.detail.elt);
    if (holder && holder.dataset.etag) {
      evt.detail.headers["If-None-Match"] = holder.dataset.etag;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    var holder = region(evt.detail.elt);
    if (xhr.status === 304) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      return;
    }
    var etag = xhr.getResponseHeader("ETag");
    if (holder && etag && xhr.status === 200) {
      holder.dataset.etag = etag;
    }
  });
})();
