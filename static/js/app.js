/* Shopfloor app shell: registers the service worker. Plain JavaScript, no build step. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
        console.warn("service worker not registered", err);
      });
    });
  }
})();
