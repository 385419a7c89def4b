/* Shopfloor service worker.
   Static files: cache-first from a versioned cache; a new VERSION drops the old caches. The
   server writes VERSION as a digest of the static files when it serves this file (/sw.js),
   so every deploy that changes one of them updates the phones.
   Pages: network-first, falling back to the cached copy, then to the offline page.
   Forms: a form post that fails on the way (offline, or the server unreachable) is kept in
   the outbox instead of lost; the outbox is resent on Background Sync where the browser has
   it, and by the pages on load, on reconnect and periodically everywhere. */
importScripts("/static/js/outbox.js");

const VERSION = "dev";
const STATIC_CACHE = `shopfloor-static-${VERSION}`;
const PAGE_CACHE = `shopfloor-pages-${VERSION}`;
const SHELL = [
  "/offline",
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/outbox.js",
  "/static/js/forms.js",
  "/static/js/scanner.js",
  "/static/js/outbox-page.js",
  "/static/icons/icon-192.png",
  "/static/icons/home.svg",
  "/static/icons/scan.svg",
  "/static/icons/stock.svg",
  "/static/icons/receive.svg",
  "/static/icons/menu.svg",
  "/manifest.webmanifest",
];
// The barcode reader for browsers without a native one (1.1 MB): not part of the shell, so
// a first visit stays light. Cached on first use like any static file, and ahead of time
// when a signed-in page reports that this browser will need it ("warm" below).
const DECODER = [
  "/static/vendor/barcode-detector/barcode-detector.js",
  "/static/vendor/barcode-detector/zxing_reader.wasm",
];
const MAX_PAGES = 60;
const WARM_EVERY_MS = 6 * 3600 * 1000;
const UNREACHABLE = new Set([502, 503, 504]);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) =>
    // "no-cache": revalidate what the page just fetched (a 304) rather than download it again.
    cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" })))));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k.startsWith("shopfloor-") && k !== STATIC_CACHE && k !== PAGE_CACHE)
        .map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;

  if (request.method === "POST" && request.mode === "navigate") {
    event.respondWith(postForm(event));
    return;
  }
  if (request.method !== "GET") return;

  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
    return;
  }
  if (request.mode === "navigate") event.respondWith(networkFirst(request));
});

async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(STATIC_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (!UNREACHABLE.has(response.status)) {
      const html = (response.headers.get("Content-Type") || "").startsWith("text/html");
      if (response.ok && !response.redirected && response.type === "basic" && html) {
        const copy = response.clone();
        storePage(request, copy);
      }
      return response;
    }
  } catch (e) {
    // offline: fall through to the copies kept on the phone
  }
  const cache = await caches.open(PAGE_CACHE);
  return (await cache.match(request, { ignoreVary: true }))
    || (await cache.match(request, { ignoreVary: true, ignoreSearch: true }))
    || (await caches.match("/offline"))
    || Response.error(); // the browser's own offline page, in the phone's language
}

async function storePage(request, response) {
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(request, response);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map((k) => cache.delete(k)));
}

/* A form posted the ordinary way. The page saved its entries in the outbox as "sending"
   just before; when the post arrives they are forgotten, when it cannot they wait. */
async function postForm(event) {
  const request = event.request;
  const copy = request.clone();
  let response = null;
  try {
    response = await fetch(request);
  } catch (e) {
    response = null;
  }
  const formKey = await formKeyOf(copy);
  if (response && !UNREACHABLE.has(response.status)) {
    if (formKey) event.waitUntil(self.ShopfloorOutbox.settle(formKey));
    return response;
  }
  const kept = formKey ? await self.ShopfloorOutbox.promote(formKey) : 0;
  if (!kept) return response || (await caches.match("/offline")) || Response.error();
  if (self.registration.sync) {
    event.waitUntil(self.registration.sync.register("shopfloor-outbox").catch(() => null));
  }
  const back = new URL(request.url);
  back.search = `?queued=${kept}`;
  return Response.redirect(back.href, 303);
}

async function formKeyOf(request) {
  try {
    const form = await request.formData();
    return form.get("idempotency_key");
  } catch (e) {
    return null;
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag !== "shopfloor-outbox") return;
  event.waitUntil(self.ShopfloorOutbox.replay().then((result) => {
    // Rejecting asks the browser to try again later.
    if (result && (result.stopped === "offline" || result.stopped === "server")) {
      throw new Error("outbox not sent yet");
    }
  }));
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "warm") event.waitUntil(warm(data.urls || [], data.decoder));
  else if (data.type === "signed-out") event.waitUntil(caches.delete(PAGE_CACHE));
  else if (data.type === "replay") event.waitUntil(self.ShopfloorOutbox.replay());
});

/* Keep the screens an operator needs offline (and the barcode reader, where this browser
   has no native one) before the Wi-Fi drops, not only after they were opened. */
async function warm(urls, decoder) {
  const pages = await caches.open(PAGE_CACHE);
  for (const url of urls) {
    const kept = await pages.match(url, { ignoreVary: true });
    const age = kept ? Date.now() - Date.parse(kept.headers.get("Date") || 0) : Infinity;
    if (age < WARM_EVERY_MS) continue;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) await pages.put(url, response);
    } catch (e) {
      return; // offline: another time
    }
  }
  if (!decoder) return;
  const statics = await caches.open(STATIC_CACHE);
  for (const url of DECODER) {
    if (!(await statics.match(url))) {
      try { await statics.add(url); } catch (e) { return; }
    }
  }
}
