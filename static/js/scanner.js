/* The camera scanner: rear camera, the standard BarcodeDetector, a torch toggle where there
   is one, a beep and a buzz on success. Without a native detector for QR, Data Matrix,
   Code 128 and EAN, the vendored ZXing polyfill is loaded, only then.
   open({onCode, t, urls, loadScript, mount?, keepOpen?, opener?}): without `mount`, over
   the page. */
(function () {
  "use strict";
  const FORMATS = ["qr_code", "data_matrix", "code_128", "ean_13", "ean_8", "upc_a", "upc_e",
    "code_39", "itf"];
  const NEEDED = ["qr_code", "data_matrix", "code_128", "ean_13"];
  const INTERVAL_MS = 120;
  let detectorPromise = null;
  let current = null;

  // Test the formats, not only the name: some builds expose an empty stub.
  function getDetector(urls, loadScript) {
    if (!detectorPromise) {
      detectorPromise = (async () => {
        if ("BarcodeDetector" in window) {
          try {
            const supported = await window.BarcodeDetector.getSupportedFormats();
            if (NEEDED.every((f) => supported.includes(f))) {
              return new window.BarcodeDetector({ formats: FORMATS.filter((f) => supported.includes(f)) });
            }
          } catch (e) { /* fall back to the polyfill */ }
        }
        const api = await loadScript(urls.decoder_js, "BarcodeDetectionAPI");
        await api.prepareZXingModule({
          overrides: {
            locateFile: (path, prefix) => (path.endsWith(".wasm") ? urls.decoder_wasm : prefix + path),
          },
          fireImmediately: true,
        });
        return new api.BarcodeDetector({ formats: FORMATS });
      })();
      detectorPromise.catch(() => { detectorPromise = null; });
    }
    return detectorPromise;
  }

  let audio = null;
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume().catch(() => null);
    } catch (e) { audio = null; }
  }

  function signal() {
    try {
      if (audio && audio.state === "running") {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = 1760;
        gain.gain.value = 0.15;
        tone.connect(gain).connect(audio.destination);
        tone.start();
        tone.stop(audio.currentTime + 0.09);
      }
    } catch (e) { /* no sound is fine */ }
    if (navigator.vibrate) navigator.vibrate(80);
  }

  function cameraError(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return "scanner_denied";
    if (name === "NotFoundError" || name === "OverconstrainedError") return "scanner_no_camera";
    if (name === "NotReadableError" || name === "AbortError") return "scanner_busy";
    return "scanner_failed";
  }

  function build(options, t) {
    const root = document.createElement("div");
    root.className = options.mount ? "scanner" : "scanner scanner-overlay";
    if (!options.mount) {
      root.setAttribute("role", "dialog");
      root.setAttribute("aria-modal", "true");
      root.setAttribute("aria-label", t("scanner_title"));
    }
    root.innerHTML = '<div class="scanner-stage"><video muted playsinline></video>'
      + '<div class="scanner-aim" aria-hidden="true"></div></div>'
      + '<p class="scanner-status" role="status" aria-live="polite"></p>'
      + '<div class="scanner-controls"><button type="button" class="button scanner-torch" aria-pressed="false" hidden></button>'
      + '<button type="button" class="button scanner-close"></button></div>';
    root.querySelector(".scanner-torch").textContent = t("scanner_torch");
    const close = root.querySelector(".scanner-close");
    close.textContent = t("scanner_close");
    if (options.mount) close.hidden = true;
    return root;
  }

  function open(options) {
    if (current) current.close();
    unlockAudio();
    const t = options.t;
    const root = build(options, t);
    const video = root.querySelector("video");
    const status = root.querySelector(".scanner-status");
    const torch = root.querySelector(".scanner-torch");
    const closeButton = root.querySelector(".scanner-close");
    let stream = null;
    let detector = null;
    let timer = null;
    let closed = false;
    let paused = false;
    let lastCode = null;
    let lastAt = 0;

    if (options.mount) {
      options.mount.replaceChildren(root);
    } else {
      document.body.appendChild(root);
      document.body.classList.add("scanner-open");
      closeButton.focus();
    }
    const say = (key, params, problem) => {
      status.textContent = t(key, params);
      root.classList.toggle("scanner-problem", Boolean(problem));
    };

    function stopCamera() {
      clearTimeout(timer);
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
    }

    function close() {
      if (closed) return;
      closed = true;
      stopCamera();
      document.removeEventListener("keydown", onKey, true);
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pagehide", close);
      if (!options.mount) {
        root.remove();
        document.body.classList.remove("scanner-open");
        if (options.opener && options.opener.focus) options.opener.focus();
      }
      if (current && current.close === close) current = null;
    }

    function onKey(event) {
      if (event.key === "Escape" && !options.mount) {
        event.preventDefault();
        close();
      }
    }

    function onVisibility() {
      // Give the camera back while the app is in the background.
      if (document.visibilityState === "hidden") stopCamera();
      else if (!closed && !stream) start();
    }

    async function found(code) {
      signal();
      say("scanner_found", { code });
      if (!options.keepOpen) close();
      paused = true;
      let handled = false;
      try { handled = await options.onCode(code); } catch (e) { handled = false; }
      if (closed || handled) return;
      setTimeout(() => {
        if (closed) return;
        paused = false;
        say("scanner_ready");
        tick();
      }, 1500);
    }

    async function tick() {
      if (closed || paused || !stream) return;
      if (detector && video.readyState >= 2) {
        try {
          const codes = await detector.detect(video);
          const code = codes.length ? codes[0].rawValue : null;
          const now = Date.now();
          // The same code held in view is read once, not every frame.
          if (code && !(code === lastCode && now - lastAt < 3000)) {
            lastCode = code;
            lastAt = now;
            found(code);
            return;
          }
        } catch (e) { /* a frame that could not be read */ }
      }
      timer = setTimeout(tick, INTERVAL_MS);
    }

    async function start() {
      if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say("scanner_insecure", null, true);
        return;
      }
      say("scanner_starting");
      const detecting = getDetector(options.urls, options.loadScript);
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        });
      } catch (error) {
        say(cameraError(error), null, true);
        return;
      }
      if (closed) { stopCamera(); return; }
      video.srcObject = stream;
      try { await video.play(); } catch (e) { /* muted: allowed to play */ }
      const track = stream.getVideoTracks()[0];
      const capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
      if (capabilities.torch) {
        torch.hidden = false;
        torch.onclick = () => {
          const on = torch.getAttribute("aria-pressed") !== "true";
          track.applyConstraints({ advanced: [{ torch: on }] })
            .then(() => torch.setAttribute("aria-pressed", String(on))).catch(() => null);
        };
      }
      if (!detector) {
        say("scanner_loading");
        try {
          detector = await detecting;
        } catch (e) {
          say("scanner_no_decoder", null, true);
          return;
        }
      }
      say("scanner_ready");
      tick();
    }

    closeButton.addEventListener("click", close);
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pagehide", close);
    current = { close };
    start();
    return current;
  }

  window.ShopfloorScanner = { open };
})();
