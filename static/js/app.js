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

/* --- Receipts photographed without a connection -------------------------------------------
 * The claim page's receipt form: when the tablet is offline, the photo and the typed fields are
 * kept in IndexedDB instead of being lost, and sent (one by one, in order) as soon as the
 * connection is back; then the page reloads to show them. A file the server refuses (4xx) is
 * dropped with a message; anything else stays queued for the next try.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-receipt]");
  var status = document.querySelector("[data-receipt-queue]");
  if (!form || !status || !("indexedDB" in window)) return;
  var STORE = "pending";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("bk-receipts", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function say(name, count) {
    var text = (status.getAttribute("data-msg-" + name) || "").split("{n}").join(String(count));
    status.textContent = text;
    status.hidden = !text;
  }

  function pendingHere() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (entry) { return entry.url === form.action; });
    });
  }

  function keep(event) {
    if (navigator.onLine) return;
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.size) return;
      fields.push([name, value instanceof File ? { blob: value, name: value.name, type: value.type } : value]);
    });
    run("readwrite", function (store) {
      store.add({ url: form.action, fields: fields, saved_at: new Date().toISOString() });
    })
      .then(pendingHere)
      .then(function (entries) {
        form.reset();
        say("saved", entries.length);
      })
      .catch(function () { say("failed", 0); });
  }

  function send(entries, sent) {
    if (!entries.length) return Promise.resolve(sent);
    var entry = entries[0];
    var body = new FormData();
    entry.fields.forEach(function (field) {
      var value = field[1];
      if (value && value.blob) body.append(field[0], new File([value.blob], value.name, { type: value.type }));
      else body.append(field[0], value);
    });
    return fetch(entry.url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      if (response.status >= 400) say("refused", 1);
      return run("readwrite", function (store) { store.delete(entry.id); }).then(function () {
        return send(entries.slice(1), sent + (response.ok ? 1 : 0));
      });
    });
  }

  function flush() {
    if (!navigator.onLine) return;
    pendingHere()
      .then(function (entries) {
        if (!entries.length) return undefined;
        say("sending", entries.length);
        return send(entries, 0).then(function (sent) {
          if (sent) window.location.reload();
        });
      })
      .catch(function () { /* still offline or the server is down: the next "online" tries again */ });
  }

  form.addEventListener("submit", keep);
  window.addEventListener("online", flush);
  pendingHere()
    .then(function (entries) {
      if (entries.length && !navigator.onLine) say("saved", entries.length);
    })
    .catch(function () {});
  flush();
})();

/* --- An answer from an e-mail's RSVP link is recorded on the first click --------------------- */
/* The link's page holds the answer in a form marked data-autosubmit: submit it at once. A GET
   records nothing (mail scanners fetch every link); a person's browser runs this and records it.
   The address loses its ?response= first, so going back never answers again. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (!form) return;
  var clean = form.getAttribute("data-clean-url");
  if (clean && window.history && history.replaceState) history.replaceState(null, "", clean);
  form.submit();
})();

/* --- Onboarding videos: tell the server how far the player got (done at 90%); without this
   file the "Markér som set" button does the same. ------------------------------------------ */
(function () {
  "use strict";
  var video = document.getElementById("onboarding-video");
  var form = document.getElementById("mark-done");
  if (!video || !form || !window.fetch) return;
  var url = video.getAttribute("data-progress-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var sent = 0;
  var watched = 0;
  var last = null;

  function report(force) {
    if (!force && watched - sent < 5) return;
    sent = watched;
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("seconds", watched.toFixed(1));
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
  }

  video.addEventListener("timeupdate", function () {
    // Count only time actually played (seeking ahead does not count as watching).
    var now = video.currentTime;
    if (last !== null && now > last && now - last < 2) watched += now - last;
    last = now;
    report(false);
  });
  video.addEventListener("seeking", function () { last = video.currentTime; });
  video.addEventListener("play", function () { last = video.currentTime; });
  video.addEventListener("pause", function () { report(true); });
  video.addEventListener("ended", function () { report(true); });
})();
