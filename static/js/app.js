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

/* Print buttons that print a framed label at its own @page size, and selects that submit
   their form when changed. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print-frame]");
  if (!button) return;
  var frame = document.getElementById(button.getAttribute("data-print-frame"));
  if (frame && frame.contentWindow) {
    frame.contentWindow.focus();
    frame.contentWindow.print();
  }
});
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
