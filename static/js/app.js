/* Shopfloor app shell on every page, kept small: the rest loads where it is needed.
   Service worker; scanning (camera button, keyboard wedges) with forms.js using scans in a
   page's context; the outbox bar, and resending on load, reconnect, return and every 30 s.
   Visible text comes translated in #shopfloor-config. */
(function () {
  "use strict";
  const configNode = document.getElementById("shopfloor-config");
  const config = configNode ? JSON.parse(configNode.textContent) : { urls: {}, i18n: {} };
  const urls = config.urls;

  function t(key, params) {
    let text = config.i18n[key] || key;
    Object.keys(params || {}).forEach((name) => { text = text.split(`%(${name})s`).join(params[name]); });
    return text;
  }

  let toastTimer = null;
  function say(text, kind) {
    let node = document.getElementById("app-message");
    if (!node) {
      node = document.createElement("div");
      node.id = "app-message";
      node.setAttribute("role", "status");
      document.body.appendChild(node);
    }
    node.textContent = text;
    node.className = `toast toast-${kind || "info"} toast-shown`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => node.classList.remove("toast-shown"), kind === "error" ? 7000 : 4000);
  }

  const loading = {};
  function loadScript(src, global) {
    if (window[global]) return Promise.resolve(window[global]);
    if (!loading[src]) {
      loading[src] = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = () => resolve(window[global]);
        script.onerror = () => { delete loading[src]; reject(new Error(`${src} not loaded`)); };
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }
  const needOutbox = () => loadScript(urls.outbox_js, "ShopfloorOutbox");
  const needForms = () => loadScript(urls.forms_js, "ShopfloorForms");

  // --- service worker ---

  function tellServiceWorker(message) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.ready.then((reg) => reg.active && reg.active.postMessage(message));
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(urls.service_worker, { scope: "/" })
      .catch((err) => console.warn("service worker not registered", err));
    if (config.user) {
      // Later, so the first visit stays light: the screens for offline use, and the barcode
      // reader where this browser has no native one.
      setTimeout(async () => {
        const decoder = !(await nativeDetectorWillDo());
        tellServiceWorker({ type: "warm", urls: config.warm, decoder });
      }, 10000);
    } else if (location.pathname === urls.login) {
      tellServiceWorker({ type: "signed-out" }); // the next person must not see these pages
    }
  }

  async function nativeDetectorWillDo() {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      return ["qr_code", "data_matrix", "code_128", "ean_13"].every((f) => formats.includes(f));
    } catch (e) {
      return false;
    }
  }

  // --- scanning ---

  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (e) {
      return { offline: true };
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok && data) return { ok: true, data };
    if (response.status >= 500 || !data) return { offline: response.status >= 502, error: t("scan_failed") };
    return { ok: false, error: (data.error && data.error.message) || t("scan_failed") };
  }

  const resolve = (code) => getJSON(`${urls.scan_api}?code=${encodeURIComponent(code)}`);

  /* Without the network, our own labels still say what they are. */
  function resolveHere(code) {
    let path;
    try { path = new URL(code).pathname; } catch (e) { return null; }
    const lot = path.match(/^\/l\/(.+)$/) || path.match(/^\/01\/\d+\/10\/([^/]+)/);
    if (lot) return { type: "lot", key: decodeURIComponent(lot[1]), url: path };
    const place = path.match(/^\/locations\/([^/]+)$/);
    if (place) return { type: "location", key: decodeURIComponent(place[1]), url: path };
    return null;
  }

  const CONTEXT = "form[data-offline], form[data-scan-sequence], [data-gs1-fill]";

  /* Every scan, from the camera or a wedge, comes here. A page script may take it first by
     cancelling the "shopfloor:scan" event. Resolves true when the code was used. */
  async function handleScan(code) {
    code = (code || "").trim();
    if (!code) return false;
    const event = new CustomEvent("shopfloor:scan", { detail: { code }, cancelable: true });
    if (!document.dispatchEvent(event)) return true;
    if (document.querySelector(CONTEXT)) {
      const forms = await needForms().catch(() => null);
      if (forms) return forms.handleScan(code);
    }
    const found = await resolve(code);
    const here = found.offline && resolveHere(code);
    if (found.ok || here) {
      location.assign(found.ok ? found.data.url : here.url);
      return true;
    }
    say(found.offline ? t("scan_offline", { code }) : found.error, "error");
    return false;
  }

  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("a.nav-scan, [data-scan-button]");
    if (!trigger || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    openCamera(trigger);
  });

  function openCamera(opener) {
    const mount = document.querySelector("[data-scanner-autostart]");
    loadScript(urls.scanner_js, "ShopfloorScanner").then((scanner) => scanner.open({
      t, urls, loadScript, onCode: handleScan, mount, keepOpen: Boolean(mount), opener,
    })).catch(() => { if (opener && opener.href) location.assign(opener.href); });
  }

  // A wedge scanner types a few ms a key and ends with Enter; people are ten times slower.
  // Judged on the average, since a Bluetooth scanner (or a busy phone) may stall a key.
  const WEDGE_AVERAGE_MS = 50;
  const WEDGE_PAUSE_MS = 400;
  let wedge = "";
  let wedgeStart = 0;
  let wedgeAt = 0;

  function isEditable(node) {
    if (!node || !node.tagName) return false;
    if (node.isContentEditable || node.tagName === "TEXTAREA" || node.tagName === "SELECT") return true;
    return node.tagName === "INPUT"
      && !["checkbox", "radio", "button", "submit", "reset", "hidden", "range", "color"].includes(node.type);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) {
      wedge = "";
      return;
    }
    const now = performance.now();
    if (now - wedgeAt > WEDGE_PAUSE_MS) wedge = "";
    if (event.key === "Enter") {
      if (wedge.length >= 3 && (now - wedgeStart) / wedge.length <= WEDGE_AVERAGE_MS) {
        event.preventDefault();
        handleScan(wedge);
      }
      wedge = "";
    } else if (event.key.length === 1) {
      if (!wedge) wedgeStart = now;
      wedge += event.key;
      wedgeAt = now;
    } else if (event.key !== "Shift") {
      wedge = "";
    }
  }, true);

  // --- the outbox ---

  /* How many entries wait or were refused, without loading outbox.js: a phone that never
     kept anything has no database, and opening it must not create one. */
  function pending() {
    return new Promise((done) => {
      const none = { waiting: 0, refused: 0 };
      let request;
      try { request = indexedDB.open("shopfloor"); } catch (e) { done(none); return; }
      request.onupgradeneeded = () => request.transaction.abort();
      request.onerror = () => done(none);
      request.onsuccess = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("outbox")) { db.close(); done(none); return; }
        const index = db.transaction("outbox").objectStore("outbox").index("status");
        const counts = {};
        ["waiting", "refused"].forEach((status) => {
          index.count(status).onsuccess = (e) => {
            counts[status] = e.target.result;
            if (Object.keys(counts).length === 2) { db.close(); done(counts); }
          };
        });
      };
    });
  }

  async function updateOutboxStatus() {
    const node = document.getElementById("outbox-status");
    if (!node) return;
    const counts = await pending();
    const parts = [];
    if (!navigator.onLine) parts.push(t("outbox_offline"));
    if (counts.waiting) parts.push(t("outbox_waiting", { count: counts.waiting }));
    if (counts.refused) parts.push(t("outbox_refused", { count: counts.refused }));
    node.textContent = parts.join(" · ");
    node.hidden = !parts.length;
    node.classList.toggle("outbox-status-problem", counts.refused > 0);
  }

  let replaying = false;
  async function replay() {
    if (replaying || !navigator.onLine || !config.user) return;
    replaying = true;
    try {
      if (!(await pending()).waiting) return;
      const result = await (await needOutbox()).replay();
      if (result && (result.applied || result.refused)) {
        say(t("outbox_sent", { applied: result.applied, refused: result.refused }),
          result.refused ? "error" : "success");
      }
    } catch (e) {
      console.warn("outbox not sent", e);
    } finally {
      replaying = false;
      updateOutboxStatus();
    }
  }

  function showQueuedNotice() {
    const params = new URLSearchParams(location.search);
    if (!params.has("queued")) return;
    say(t("outbox_queued"), "success");
    params.delete("queued");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  }

  // --- small page behaviours ---

  document.addEventListener("click", (event) => {
    // Print buttons print a framed label at its own @page size.
    const button = event.target.closest("[data-print-frame]");
    const frame = button && document.getElementById(button.getAttribute("data-print-frame"));
    if (frame && frame.contentWindow) {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    }
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
  // A form that works offline, sent before forms.js has arrived: hold it until it has.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (window.ShopfloorForms || !form.matches("form[data-offline]")) return;
    event.preventDefault();
    const submitter = event.submitter;
    needForms().then(() => setTimeout(() => form.requestSubmit(submitter || undefined), 0))
      .catch(() => form.submit());
  }, true);
  document.addEventListener("submit", (event) => {
    const action = event.target.getAttribute("action");
    if (action && new URL(action, location.href).pathname === urls.logout) {
      tellServiceWorker({ type: "signed-out" });
    }
  });

  // A refused form comes back with its first error in view and focused, so the thumb
  // lands on what to correct instead of scrolling for it.
  function showFirstError() {
    const field = document.querySelector(
      '[aria-invalid="true"], .has-error input:not([type="hidden"]), .has-error select, .has-error textarea');
    const target = field || document.querySelector(".flash-error, .field-error");
    if (!target) return;
    if (!field) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  // The undo after a scan-pick is offered for a few seconds, then the bar goes.
  const UNDO_SECONDS = 8;
  function expireUndo() {
    document.querySelectorAll("[data-undo-for]").forEach((bar) => {
      setTimeout(() => bar.remove(), UNDO_SECONDS * 1000);
    });
  }

  function start() {
    showFirstError();
    expireUndo();
    registerServiceWorker();
    if (document.querySelector("[data-scanner-autostart]")) openCamera(null);
    if (document.querySelector(CONTEXT)) needForms().catch(() => null);
    showQueuedNotice();
    updateOutboxStatus();
    replay();
    if ("BroadcastChannel" in window) {
      new BroadcastChannel("shopfloor-outbox").onmessage = updateOutboxStatus;
    }
    window.addEventListener("online", replay);
    window.addEventListener("offline", updateOutboxStatus);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") replay();
    });
    setInterval(() => { if (document.visibilityState === "visible") replay(); }, 30000);
  }

  window.Shopfloor = {
    config, t, say, getJSON, resolve, resolveHere, handleScan, needOutbox, updateOutboxStatus,
    tellServiceWorker,
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
