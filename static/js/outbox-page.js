/* The /outbox page: what this phone still has to send, what the server applied, and what it
   refused and why, with a way to fix, resend or discard each entry. The entries live in
   IndexedDB (static/js/outbox.js); the words come translated from the page (#outbox-text). */
(function () {
  "use strict";
  const Outbox = window.ShopfloorOutbox;
  const text = JSON.parse(document.getElementById("outbox-text").textContent);
  const config = JSON.parse(document.getElementById("shopfloor-config").textContent);

  function t(key, params) {
    let value = text[key] || key;
    Object.keys(params || {}).forEach((name) => {
      value = value.split(`%(${name})s`).join(params[name]);
    });
    return value;
  }

  function when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(document.documentElement.lang || undefined);
  }

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }

  function button(label, action, key, extra) {
    const node = el("button", `button ${extra || ""}`.trim(), label);
    node.type = "button";
    node.dataset.action = action;
    node.dataset.key = key;
    return node;
  }

  function link(label, href) {
    const node = el("a", "button", label);
    node.href = href;
    return node;
  }

  function lotUrl(template, code) {
    return template.replace("__CODE__", encodeURIComponent(code));
  }

  function resultLinks(entry) {
    const links = [];
    const body = entry.response && entry.response.body;
    const lot = (body && body.lot && body.lot.code) || (body && typeof body.lot === "string" && body.lot)
      || entry.body.lot;
    if (lot) links.push(link(t("open"), lotUrl(config.urls.lot_page, lot)));
    if (entry.kind === "receipt" && body && body.lot && body.lot.code) {
      const query = new URLSearchParams({ copies: entry.copies || "1", received: "1" });
      links.push(link(t("print"), `${lotUrl(config.urls.lot_label, body.lot.code)}?${query}`));
    }
    return links;
  }

  function render(entry) {
    const item = el("li", `outbox-entry outbox-${entry.status}`);
    const head = el("div", "outbox-entry-head");
    head.appendChild(el("strong", null, (text.kinds || {})[entry.kind] || entry.kind));
    head.appendChild(el("span", "code", entry.label || ""));
    item.appendChild(head);
    const facts = [t("recorded", { when: when(entry.created_at) })];
    if (entry.user && entry.user !== config.user) facts.push(t("by", { user: entry.user }));
    if (entry.status === "waiting" && entry.attempts) facts.push(t("tries", { count: entry.attempts }));
    if (entry.status === "applied") facts.push(t("applied_at", { when: when(entry.sent_at) }));
    item.appendChild(el("p", "muted outbox-facts", facts.join(" · ")));
    const response = entry.response || {};
    if (entry.status === "refused" && response.error) {
      item.appendChild(el("p", "field-error", t("reason", { reason: response.error.message })));
    }
    if (entry.status === "applied" && response.already) item.appendChild(el("p", "muted", t("already")));

    const actions = el("div", "actions");
    if (entry.status === "refused") {
      actions.appendChild(button(t("fix"), "fix", entry.key));
      actions.appendChild(button(t("retry"), "retry", entry.key));
    }
    if (entry.status === "applied") resultLinks(entry).forEach((a) => actions.appendChild(a));
    if (entry.status !== "applied") actions.appendChild(button(t("discard"), "discard", entry.key, "danger"));
    if (actions.childNodes.length) item.appendChild(actions);
    return item;
  }

  let entries = [];

  async function refresh() {
    try {
      entries = await Outbox.all();
    } catch (e) {
      document.getElementById("outbox-summary").textContent = t("no_storage");
      return;
    }
    const groups = { waiting: [], refused: [], applied: [] };
    entries.forEach((e) => { if (groups[e.status]) groups[e.status].push(e); });
    groups.applied.reverse(); // newest first
    Object.keys(groups).forEach((status) => {
      const list = document.getElementById(`outbox-${status}`);
      list.replaceChildren(...groups[status].map(render));
      if (!groups[status].length) list.appendChild(el("li", "muted", list.dataset.empty));
    });
    let summary = t("summary", {
      waiting: groups.waiting.length, refused: groups.refused.length, applied: groups.applied.length,
    });
    if (!navigator.onLine && groups.waiting.length) summary += ` ${t("offline")}`;
    if (lastResult && lastResult.stopped === "signed-out" && groups.waiting.length) summary += ` ${t("signed_out")}`;
    document.getElementById("outbox-summary").textContent = summary;
  }

  let lastResult = null;
  async function send() {
    if (!navigator.onLine) return refresh();
    try { lastResult = await Outbox.replay(); } catch (e) { lastResult = null; }
    return refresh();
  }

  /* Fix: the entry's values go back into its form, to be corrected and saved again. */
  function fix(entry) {
    const query = new URLSearchParams(entry.fields || []);
    Outbox.remove([entry.key]).then(() => {
      location.assign(`${entry.form_url || "/"}?${query}`);
    });
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const entry = entries.find((e) => e.key === target.dataset.key);
    if (!entry) return;
    if (target.dataset.action === "discard") {
      if (window.confirm(t("confirm_discard"))) Outbox.remove([entry.key]);
    } else if (target.dataset.action === "retry") {
      entry.status = "waiting";
      entry.response = null;
      Outbox.put([entry]).then(send);
    } else if (target.dataset.action === "fix") {
      fix(entry);
    }
  });

  document.getElementById("outbox-send").addEventListener("click", send);
  window.addEventListener("online", refresh);
  window.addEventListener("offline", refresh);
  Outbox.onChange(refresh);
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
  refresh();
})();
