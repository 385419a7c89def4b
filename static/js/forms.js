/* Forms that scan and work offline; loaded by app.js on pages that have them.

   Scans in context:
   - [data-gs1-fill] (receiving): a supplier's GS1 barcode fills the form through the API;
     one of our item or location codes fills its field;
   - form[data-scan-sequence="lot,to"]: each scan fills the first empty field of the sequence
     that takes what was scanned (a lot, a location…); a GET form is sent once all are filled;
   - with a [data-scan-target] field (a count): a lot already listed gets the focus, a new one
     is added through that field and its button.

   Offline: a form[data-offline="<kind>"] is turned into API requests (the forms use the API's
   field names) for the endpoint the page's config names for <kind>, or data-offline-api.
   Without a network they are kept in the outbox at once; online the form is posted as usual,
   and if the post fails on the way the service worker keeps them instead of losing them. */
(function () {
  "use strict";
  const app = window.Shopfloor;
  const { config, t, say } = app;
  const FIELD_TYPES = { lot: "lot", from: "location", to: "location", location: "location", item: "item" };
  const PAGE_ONLY = new Set(["csrf_token", "idempotency_key", "action", "gs1", "copies", "add"]);

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function labelOf(field) {
    const label = field.id && document.querySelector(`label[for="${field.id}"]`);
    return label ? label.textContent.trim() : field.name;
  }

  function findOption(select, value) {
    const wanted = String(value).toUpperCase();
    return Array.from(select.options).find((o) => o.value === value)
      || Array.from(select.options).find((o) => o.value.toUpperCase() === wanted);
  }

  // One field by name (namedItem: form.elements.item is a method); a list when it repeats.
  function fieldOf(form, name) {
    const field = form.elements.namedItem(name);
    return field && field.tagName ? field : null;
  }

  function flash(field) {
    field.classList.add("scan-filled");
    setTimeout(() => field.classList.remove("scan-filled"), 1500);
  }

  function setField(field, value) {
    if (field.tagName === "SELECT") {
      const option = findOption(field, value);
      if (!option) return false;
      field.value = option.value;
    } else {
      field.value = value;
    }
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
    flash(field);
    return true;
  }

  // --- scans in context ---

  async function handleScan(code) {
    const gs1 = document.querySelector("[data-gs1-fill]");
    if (gs1 && gs1.form) return fillFromSupplierCode(gs1, code);
    const form = document.querySelector("form[data-scan-sequence]");
    if (form) return fillSequence(form, code);
    const found = await app.resolve(code);
    if (found.ok) location.assign(found.data.url);
    else say(found.offline ? t("scan_offline", { code }) : found.error, "error");
    return Boolean(found.ok);
  }

  async function fillSequence(form, code) {
    const names = form.dataset.scanSequence.split(",").map((s) => s.trim()).filter(Boolean);
    const found = await app.resolve(code);
    let type = null;
    let key = code;
    if (found.ok) {
      ({ type, key } = found.data);
    } else if (found.offline) {
      const here = app.resolveHere(code);
      if (here) ({ type, key } = here);
    } else {
      say(found.error, "error");
      return false;
    }
    const target = form.querySelector("[data-scan-target]");
    if (target) return addToList(form, names[0], target, key);

    const fields = names.map((name) => fieldOf(form, name)).filter(Boolean);
    let field;
    if (type) {
      const fitting = fields.filter((f) => (FIELD_TYPES[f.name] || type) === type);
      field = fitting.find((f) => !f.value) || fitting[fitting.length - 1];
    } else {
      // Offline and not one of our labels: a place offered in an empty choice, else the first
      // empty text field.
      const empty = fields.filter((f) => !f.value);
      field = empty.find((f) => f.tagName === "SELECT" && findOption(f, key))
        || empty.find((f) => f.tagName !== "SELECT");
    }
    if (!field || !setField(field, key)) {
      say(t("scan_not_here", { code }), "error");
      return false;
    }
    say(`${labelOf(field)}: ${key}`, "success");
    if (field.name === "lot" && fieldOf(form, "from")) fillSourceOf(fieldOf(form, "from"), key);
    if (fields.every((f) => f.value)) {
      // A GET form, or one marked data-scan-submit (the pick screen: one scan picks), is
      // sent as soon as the scan has filled it.
      if ((form.getAttribute("method") || "get").toLowerCase() === "get"
          || form.hasAttribute("data-scan-submit")) {
        form.requestSubmit();
      } else {
        const next = Array.from(form.elements).find((el) => el.required && !el.value && el.type !== "hidden");
        if (next) next.focus();
      }
    }
    return true;
  }

  /* On a move, a lot kept in one place comes from there. */
  async function fillSourceOf(source, lotCode) {
    if (source.value) return;
    const found = await app.getJSON(config.urls.lot_api.replace("__CODE__", encodeURIComponent(lotCode)));
    const places = found.ok ? found.data.locations || [] : [];
    if (places.length === 1 && !source.value) setField(source, places[0].location);
  }

  function addToList(form, name, target, key) {
    const listed = Array.from(form.querySelectorAll(`input[type="hidden"][name="${name}"]`))
      .find((input) => input.value === key);
    const line = listed && (listed.closest(".field") || listed.parentElement);
    const entry = line && line.querySelector("input:not([type=hidden])");
    if (entry) {
      entry.focus();
      flash(entry);
      say(key, "success");
      return true;
    }
    target.value = key;
    const row = target.closest(".inline, .field") || form;
    const button = row.querySelector("button[type=submit], button:not([type])");
    if (button) form.requestSubmit(button);
    return true;
  }

  async function fillFromSupplierCode(input, code) {
    const form = input.form;
    input.value = code;
    const found = await app.getJSON(`${config.urls.gs1_api}?code=${encodeURIComponent(code)}`);
    if (found.offline) {
      say(t("scan_offline", { code }), "error");
      return false;
    }
    if (found.ok) {
      ["item", "supplier_lot", "expiry", "quantity", "unit"].forEach((name) => {
        const value = found.data[name];
        if (value && fieldOf(form, name)) setField(fieldOf(form, name), String(value));
      });
      say(t("scan_gs1_filled"), "success");
      return true;
    }
    const other = await app.resolve(code);
    const field = other.ok && ["item", "location"].includes(other.data.type) && fieldOf(form, other.data.type);
    if (field && setField(field, other.data.key)) {
      say(`${labelOf(field)}: ${other.data.key}`, "success");
      return true;
    }
    say(found.error, "error");
    return false;
  }

  // --- offline ---

  /* The form as API requests. Fields that repeat (a count lists several lots) make one
     request per line, or the "lines" of a single request where the kind says so. */
  function entriesFromForm(form, submitter) {
    const kind = form.dataset.offline;
    const spec = (config.offline || {})[kind] || {};
    const url = form.dataset.offlineApi || spec.url;
    if (!url) return [];
    const data = new FormData(form, submitter || undefined);
    const formKey = data.get("idempotency_key") || newKey();
    const pairs = [];
    const values = {};
    data.forEach((value, name) => {
      if (PAGE_ONLY.has(name) || typeof value !== "string") return;
      pairs.push([name, value]);
      (values[name] = values[name] || []).push(value.trim());
    });
    const lineNames = spec.lines || Object.keys(values).filter((name) => values[name].length > 1);
    const single = {};
    Object.keys(values).forEach((name) => {
      if (!lineNames.includes(name) && values[name][0]) single[name] = values[name][0];
    });
    const count = Math.max(0, ...lineNames.map((name) => (values[name] || []).length));
    const lines = [];
    for (let i = 0; i < count; i += 1) {
      const line = {};
      lineNames.forEach((name) => { if ((values[name] || [])[i]) line[name] = values[name][i]; });
      if (Object.keys(line).length) lines.push(line);
    }
    const entry = (key, body, fields) => ({
      key, form_key: formKey, url, method: "POST", kind, body, fields,
      label: summary(kind, body), user: config.user || null, form_url: location.pathname,
      copies: data.get("copies") || null,
    });
    if (spec.lines) return [entry(formKey, Object.assign({}, single, { lines }), pairs)];
    if (lines.length <= 1) {
      return [entry(formKey, Object.assign({}, single, lines[0]), pairs)];
    }
    return lines.map((line, i) => {
      const body = Object.assign({}, single, line);
      return entry(`${formKey}.${i + 1}`, body, Object.entries(body));
    });
  }

  /* Codes and numbers only, so the outbox reads the same in every language. */
  function summary(kind, body) {
    const b = (name) => body[name] || "";
    if (kind === "move") return `${b("lot")} · ${b("quantity")} · ${b("from")} → ${b("to")}`;
    if (kind === "receipt") return `${b("item")} · ${b("quantity")} ${b("unit")} · ${b("location")}`;
    if (kind === "count") return `${b("lot")} @ ${b("location")} = ${b("counted_quantity")}`;
    return Object.keys(body).map((name) => (Array.isArray(body[name])
      ? body[name].map((line) => Object.values(line).join(" ")).join(", ")
      : body[name])).join(" · ");
  }

  function freshKey(form) {
    const input = form.querySelector('input[name="idempotency_key"]');
    if (input) input.value = newKey();
  }

  async function keepOffline(form, entries) {
    const outbox = await app.needOutbox();
    await outbox.add(entries, "waiting");
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register("shopfloor-outbox"))
        .catch(() => null);
    }
    form.reset();
    freshKey(form);
    say(t("outbox_queued"), "success");
    app.updateOutboxStatus();
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("form[data-offline]")) return;
    const submitter = event.submitter;
    if (submitter && submitter.name === "action" && submitter.value !== "submit") return;
    if (form.dataset.posting === "1") return; // our own resubmission: let it go
    event.preventDefault();
    if (form.dataset.busy === "1") return;
    form.dataset.busy = "1";
    try {
      const entries = entriesFromForm(form, submitter);
      if (!navigator.onLine && entries.length) {
        if (form.checkValidity()) await keepOffline(form, entries);
        else form.reportValidity();
        return;
      }
      if (entries.length && navigator.serviceWorker && navigator.serviceWorker.controller) {
        await (await app.needOutbox()).add(entries, "sending");
      }
      // A new task: a form cannot be submitted again while its submit event runs.
      await new Promise((done) => setTimeout(done, 0));
      form.dataset.posting = "1";
      if (submitter) form.requestSubmit(submitter);
      else form.requestSubmit();
    } finally {
      form.dataset.busy = "";
      form.dataset.posting = "";
    }
  });

  /* Receiving: "Fill in" reads the supplier barcode without reloading the page. */
  document.addEventListener("click", (event) => {
    const button = event.target.closest('button[name="action"][value="fill"]');
    const input = button && button.form && button.form.querySelector("[data-gs1-fill]");
    if (!input || !input.value.trim()) return;
    event.preventDefault();
    fillFromSupplierCode(input, input.value.trim());
  });

  /* Each page load gets its own key, made here: a page served from the phone's cache must not
     reuse one. A form opened from the outbox ("Fix") gets its values back, even offline. */
  const params = new URLSearchParams(location.search);
  const offlineForms = document.querySelectorAll("form[data-offline]");
  // Needed to keep what is saved here: fetched now, while there is surely a network.
  if (offlineForms.length) app.needOutbox().catch(() => null);
  offlineForms.forEach((form) => {
    freshKey(form);
    params.forEach((value, name) => {
      const field = fieldOf(form, name);
      if (field && field.type !== "hidden" && !PAGE_ONLY.has(name) && !field.value) {
        setField(field, value);
      }
    });
  });

  window.ShopfloorForms = { handleScan, entriesFromForm };
})();
