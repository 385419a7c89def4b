/* Shopfloor outbox: what this phone recorded and still has to send, kept in IndexedDB.

   Shared by the pages and the service worker (importScripts), so no DOM here.
   An entry: {key, url, method, body, kind, label, user, form_url, fields, created_at,
              status: sending | waiting | applied | refused, response, attempts, sent_at}.
   `key` is made on the device and sent as the Idempotency-Key header: the server applies a
   key once and answers a repeat with its first answer, so resending after a lost answer
   can never record a move twice. "sending" is a form being posted normally while online;
   the service worker turns it into "waiting" if the network fails, or forgets it. */
(function (global) {
  "use strict";
  const DB_NAME = "shopfloor";
  const STORE = "outbox";
  const CHANNEL = "shopfloor-outbox";
  const SESSION_URL = "/outbox/session";
  const KEEP_APPLIED_MS = 7 * 24 * 3600 * 1000;
  const KEEP_APPLIED = 100;
  // A form post the service worker never settled (the tab closed mid-way): resending it is
  // safe, because the key makes a repeat harmless.
  const STALE_SENDING_MS = 2 * 60 * 1000;

  let dbPromise = null;
  const listeners = [];
  const channel = "BroadcastChannel" in global ? new BroadcastChannel(CHANNEL) : null;
  if (channel) channel.onmessage = () => listeners.forEach((fn) => fn());

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, { keyPath: "key" });
          store.createIndex("status", "status");
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => { db.close(); dbPromise = null; };
          resolve(db);
        };
        request.onerror = () => { dbPromise = null; reject(request.error); };
      });
    }
    return dbPromise;
  }

  function write(fn) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      fn(tx.objectStore(STORE));
      tx.oncomplete = () => { changed(); resolve(); };
      tx.onerror = tx.onabort = () => reject(tx.error);
    }));
  }

  function all() {
    return open().then((db) => new Promise((resolve, reject) => {
      const request = db.transaction(STORE, "readonly").objectStore(STORE).getAll();
      request.onsuccess = () => resolve(request.result.sort(byAge));
      request.onerror = () => reject(request.error);
    }));
  }

  function byAge(a, b) {
    if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  }

  function changed() {
    listeners.forEach((fn) => fn());
    if (channel) channel.postMessage({ type: "changed" });
  }

  function put(entries) {
    return write((store) => entries.forEach((entry) => store.put(entry)));
  }

  function remove(keys) {
    return write((store) => keys.forEach((key) => store.delete(key)));
  }

  function newKey() {
    const cryptoApi = global.crypto;
    if (cryptoApi && cryptoApi.randomUUID) return cryptoApi.randomUUID();
    const bytes = cryptoApi.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* Keep new entries: status "waiting" to send when the network allows, or "sending" for
     a form that is being posted right now. */
  function add(entries, status) {
    const now = new Date().toISOString();
    return put(entries.map((entry) => Object.assign({
      method: "POST", created_at: now, attempts: 0, response: null,
    }, entry, { status: status || "waiting" })));
  }

  /* A form post failed on the way (the service worker saw it): its entries now wait. */
  async function promote(formKey) {
    const found = (await all()).filter((e) => e.status === "sending" && e.form_key === formKey);
    if (found.length) await put(found.map((e) => Object.assign(e, { status: "waiting" })));
    return found.length;
  }

  /* A form post reached the server: its answer is on screen, nothing is left to send. */
  async function settle(formKey) {
    const found = (await all()).filter((e) => e.status === "sending" && e.form_key === formKey);
    if (found.length) await remove(found.map((e) => e.key));
  }

  async function counts() {
    const result = { waiting: 0, refused: 0, applied: 0, sending: 0 };
    (await all()).forEach((e) => { result[e.status] = (result[e.status] || 0) + 1; });
    return result;
  }

  function retryLater(status, error) {
    return status >= 500 || status === 0 || status === 401 || status === 408 || status === 429
      || (status === 400 && error && error.code === "csrf");
  }

  async function sendOne(entry, session) {
    let response;
    try {
      response = await fetch(entry.url, {
        method: entry.method || "POST", credentials: "same-origin", cache: "no-store",
        headers: {
          "Content-Type": "application/json", Accept: "application/json",
          "Idempotency-Key": entry.key, "X-CSRFToken": session.csrf_token,
        },
        body: JSON.stringify(entry.body),
      });
    } catch (e) {
      return "offline";
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    const error = data && data.error ? data.error : null;
    entry.attempts = (entry.attempts || 0) + 1;
    entry.sent_at = new Date().toISOString();
    if (response.ok) {
      entry.status = "applied";
      entry.response = { status: response.status, body: data };
    } else if (response.status === 422 && error && error.field === "Idempotency-Key") {
      // Keys are made here, one per entry: the server already holds this one, so the form
      // post that failed on the way had in fact arrived. It is recorded, once.
      entry.status = "applied";
      entry.response = { status: response.status, already: true };
    } else if (retryLater(response.status, error)) {
      entry.response = { status: response.status, error: error, retry: true };
      await put([entry]);
      return response.status === 401 ? "signed-out" : "server";
    } else {
      entry.status = "refused";
      entry.response = {
        status: response.status,
        error: error || { message: response.statusText || String(response.status), field: null },
      };
    }
    await put([entry]);
    return entry.status;
  }

  async function run() {
    const now = Date.now();
    const entries = await all();
    const stale = entries.filter((e) => e.status === "sending"
      && now - Date.parse(e.created_at) > STALE_SENDING_MS);
    if (stale.length) await put(stale.map((e) => Object.assign(e, { status: "waiting" })));
    await prune(entries, now);
    const waiting = entries.filter((e) => e.status === "waiting");
    const result = { waiting: waiting.length, applied: 0, refused: 0, stopped: null };
    if (!waiting.length) return result;

    let session;
    try {
      const response = await fetch(SESSION_URL, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || type.indexOf("json") < 0) {
        result.stopped = "signed-out";
        return result;
      }
      session = await response.json();
    } catch (e) {
      result.stopped = "offline";
      return result;
    }
    for (const entry of waiting) {
      if (entry.user && entry.user !== session.user) continue; // waits for its own person
      const outcome = await sendOne(entry, session);
      if (outcome === "applied" || outcome === "refused") {
        result[outcome] += 1;
        result.waiting -= 1;
      } else {
        result.stopped = outcome;
        break;
      }
    }
    return result;
  }

  async function prune(entries, now) {
    const applied = entries.filter((e) => e.status === "applied").reverse();
    const old = applied.filter((e, index) => index >= KEEP_APPLIED
      || now - Date.parse(e.sent_at || e.created_at) > KEEP_APPLIED_MS);
    if (old.length) await remove(old.map((e) => e.key));
  }

  /* Send what waits, oldest first. One sender at a time across tabs and the service worker
     (Web Locks); the server's idempotency covers browsers without them. */
  function replay() {
    const locks = global.navigator && global.navigator.locks;
    if (!locks) return run();
    return locks.request("shopfloor-outbox", { ifAvailable: true },
      (lock) => (lock ? run() : { busy: true }));
  }

  global.ShopfloorOutbox = {
    all, add, put, remove, promote, settle, counts, replay, newKey,
    onChange(fn) { listeners.push(fn); },
  };
})(self);
