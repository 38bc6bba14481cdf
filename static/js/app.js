/* Progressive enhancement only: every page works without this file. */
if (window.DKFDS) {
  window.DKFDS.init();
}

/* --- Meeting packs offline (the service worker is static/js/sw.js, served as /sw.js) --------- */
(function () {
  "use strict";
  var PACKS = "bk-packs";
  var STATE = "/offline/state.json";
  var session = document.body.getAttribute("data-session");
  if (!("serviceWorker" in navigator) || !session) return;

  function tell(message) {
    return navigator.serviceWorker.getRegistration().then(function (reg) {
      var worker = reg && (reg.active || reg.waiting || reg.installing);
      if (worker) worker.postMessage(message);
    });
  }

  if (session === "out") {
    // Logged out: nothing of the last reader stays on this device.
    tell({ type: "clear" });
    return;
  }
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      tell({ type: "clear" });
    });
  });

  var status = document.querySelector("[data-offline-status]");
  var syncing = false;
  var failed = false;

  function readState() {
    if (!("caches" in window)) return Promise.resolve(null);
    return caches
      .open(PACKS)
      .then(function (cache) {
        return cache.match(STATE);
      })
      .then(function (found) {
        return found ? found.json() : null;
      })
      .catch(function () {
        return null;
      });
  }

  function when(iso) {
    var lang = document.documentElement.lang === "en" ? "en-GB" : "da-DK";
    var options = { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Copenhagen" };
    return new Date(iso).toLocaleString(lang, options);
  }

  function message(name, values) {
    var text = status.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function render() {
    if (!status) return Promise.resolve();
    return readState().then(function (state) {
      var entry = state && state.meetings ? state.meetings[status.getAttribute("data-meeting-id")] : null;
      var published = Number(status.getAttribute("data-pack-version"));
      var newest = entry ? Math.max(published, Number(entry.published_version) || 0) : published;
      var parts = [];
      var kind = "";
      if (entry && (!navigator.onLine || failed)) {
        parts.push(message("offline", { time: when(entry.saved_at) }));
        kind = "is-offline";
      }
      if (entry && entry.version < newest) {
        parts.push(message("older", { old: entry.version, new: newest }));
        kind = kind || "is-stale";
      } else if (entry && !kind) {
        parts.push(message("saved", { version: entry.version }));
      } else if (!entry && syncing) {
        parts.push(message("saving"));
      }
      status.textContent = parts.join(" ");
      status.hidden = parts.length === 0;
      status.classList.toggle("is-offline", kind === "is-offline");
      status.classList.toggle("is-stale", kind === "is-stale");
      status.setAttribute("data-state", entry ? (kind || "saved") : (syncing ? "saving" : "none"));
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var type = event.data && event.data.type;
    if (type === "offline-synced" || type === "offline-cleared") {
      syncing = false;
      failed = false;
    } else if (type === "offline-sync-failed") {
      syncing = false;
      failed = true;
    }
    render();
  });
  window.addEventListener("online", function () {
    failed = false;
    tell({ type: "sync" });
    render();
  });
  window.addEventListener("offline", render);

  render();
  navigator.serviceWorker
    .register("/sw.js")
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function () {
      return readState();
    })
    .then(function (state) {
      // Meeting pages sync every time (their copy is refreshed); other pages every few minutes.
      var age = state && state.synced_at ? Date.now() - Date.parse(state.synced_at) : Infinity;
      if (status || age > 5 * 60 * 1000) {
        syncing = navigator.onLine;
        render();
        return tell({ type: "sync" });
      }
      return undefined;
    })
    .catch(function () {
      /* no offline copies on this browser; everything else works */
    });
})();
