/* boardkit's service worker (served as /sw.js, scope "/").
 *
 * Keeps the app shell (CSS, JS, fonts, icons) and, for each of the reader's upcoming meetings
 * listed by /offline/packs.json, the meeting page and the reader's own pack, so they open
 * without a network. Pages are network-first with the cached copy as fallback; packs of
 * meetings no longer listed (after the meeting, or when the reader has left the board) are
 * deleted, and so is a kept copy the server refuses (401, 403, 404, 410: access has ended).
 * What is kept, and which pack version, is written to /offline/state.json in the packs cache,
 * where the pages read it.
 */
"use strict";

const SHELL = "bk-shell-2";
const PACKS = "bk-packs";
const STATE = "/offline/state.json";
const PACK_PATH = /^\/meetings\/\d+\/pack\.pdf$/;
// The server's answers that mean "not yours (any more)": the kept copy goes.
const GONE = new Set([401, 403, 404, 410]);
const SHELL_URLS = [
  "/static/vendor/dkfds/css/dkfds.min.css",
  "/static/css/app.css",
  "/static/vendor/dkfds/js/dkfds.min.js",
  "/static/js/app.js",
  "/static/vendor/dkfds/img/all-svg-icons.svg",
  "/static/vendor/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2",
  "/static/vendor/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-SemiBold.woff2",
  "/static/vendor/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Bold.woff2",
  "/static/icons/favicon.svg",
  "/static/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(SHELL_URLS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("bk-shell-") && k !== SHELL).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

// --- state -----------------------------------------------------------------------------------

async function readState() {
  const cache = await caches.open(PACKS);
  const found = await cache.match(STATE);
  const empty = { person_id: null, meetings: {}, labels: {}, synced_at: null };
  if (!found) return empty;
  try {
    return Object.assign(empty, await found.json());
  } catch (e) {
    return empty;
  }
}

async function writeState(state) {
  const cache = await caches.open(PACKS);
  const body = JSON.stringify(state);
  await cache.put(STATE, new Response(body, { headers: { "Content-Type": "application/json" } }));
}

async function broadcast(message) {
  const clients = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  clients.forEach((client) => client.postMessage(message));
}

async function clearAll() {
  await caches.delete(PACKS);
  await broadcast({ type: "offline-cleared" });
}

// --- keeping the packs -------------------------------------------------------------------------

function usable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

// Forget a kept page or pack, and the meeting it belongs to (access to it has ended).
async function forget(path) {
  const cache = await caches.open(PACKS);
  await cache.delete(path);
  const state = await readState();
  let changed = false;
  for (const [id, entry] of Object.entries(state.meetings)) {
    if (entry.meeting_url === path || entry.pack_path === path) {
      await cache.delete(entry.meeting_url);
      await cache.delete(entry.pack_path);
      delete state.meetings[id];
      changed = true;
    }
  }
  if (changed) await writeState(state);
}

async function keepPage(cache, path) {
  try {
    const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
    if (usable(response)) await cache.put(path, response);
    else if (GONE.has(response.status)) await cache.delete(path);
  } catch (e) {
    /* offline: keep the copy we have */
  }
}

// Drop what belongs to meetings that have ended (also without a network).
async function expire(state, cache) {
  const now = Date.now();
  for (const [id, entry] of Object.entries(state.meetings)) {
    if (Date.parse(entry.ends_at) < now) {
      await cache.delete(entry.meeting_url);
      await cache.delete(entry.pack_path);
      delete state.meetings[id];
    }
  }
}

async function sync() {
  let listing;
  try {
    const response = await fetch("/offline/packs.json", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) {
      await clearAll();
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    listing = await response.json();
  } catch (e) {
    const state = await readState();
    await expire(state, await caches.open(PACKS));
    await writeState(state);
    await broadcast({ type: "offline-sync-failed" });
    return;
  }
  let state = await readState();
  if (state.person_id !== null && state.person_id !== listing.person_id) {
    await caches.delete(PACKS); // another person on this device: nothing of theirs is kept
    state = await readState();
  }
  const cache = await caches.open(PACKS);
  const keep = new Set([STATE, "/"]);
  const meetings = {};
  for (const m of listing.items) {
    const id = String(m.meeting_id);
    const saved = state.meetings[id];
    keep.add(m.meeting_url);
    keep.add(m.pack_url);
    await keepPage(cache, m.meeting_url);
    let entry = saved && (await cache.match(m.pack_url)) ? saved : null;
    if (!entry || entry.version !== m.version) {
      try {
        const response = await fetch(m.pack_url + "?offline=1", { credentials: "same-origin" });
        if (usable(response)) {
          await cache.put(m.pack_url, response);
          entry = { version: m.version, saved_at: new Date().toISOString() };
        } else if (GONE.has(response.status)) {
          await cache.delete(m.pack_url);
          await cache.delete(m.meeting_url);
          entry = null;
        }
      } catch (e) {
        /* keep the older copy, if any: the page says it is older */
      }
    }
    if (entry) {
      meetings[id] = {
        version: entry.version,
        saved_at: entry.saved_at,
        published_version: m.version,
        title: m.title,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        meeting_url: m.meeting_url,
        pack_path: m.pack_url,
      };
    }
  }
  await keepPage(cache, "/");
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }
  await writeState({
    person_id: listing.person_id,
    meetings: meetings,
    labels: listing.labels || {},
    language: listing.language || "da",
    synced_at: new Date().toISOString(),
  });
  await broadcast({ type: "offline-synced" });
}

let running = null;
function syncOnce() {
  // One sync at a time; a request while one runs waits for it and starts another.
  const next = (running || Promise.resolve()).then(sync, sync);
  running = next.finally(() => {
    if (running === next) running = null;
  });
  return next;
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "sync") event.waitUntil(syncOnce());
  if (type === "clear") event.waitUntil(clearAll());
});

// --- answering requests ---------------------------------------------------------------------------

async function staleWhileRevalidate(event) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(event.request);
  const fresh = fetch(event.request)
    .then((response) => {
      if (response.ok) return cache.put(event.request, response.clone()).then(() => response);
      return response;
    })
    .catch(() => cached || Response.error());
  if (cached) {
    event.waitUntil(fresh.then(() => undefined));
    return cached;
  }
  return fresh;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function offlinePage() {
  const state = await readState();
  const labels = Object.assign(
    {
      title: "Du er offline",
      text: "Siden er ikke gemt til offline brug. Disse møder kan du læse uden net:",
      none: "Der er ingen møder gemt til offline brug.",
      home: "Til forsiden",
    },
    state.labels,
  );
  const locale = state.language === "en" ? "en-GB" : "da-DK";
  const day = (iso) =>
    new Date(iso).toLocaleDateString(locale, { day: "numeric", month: "long", timeZone: "Europe/Copenhagen" });
  const items = Object.values(state.meetings)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))
    .map((m) => `<li><a href="${escapeHtml(m.meeting_url)}">${escapeHtml(m.title)}</a> · ${escapeHtml(day(m.starts_at))}</li>`)
    .join("");
  const body =
    `<!DOCTYPE html><html lang="${escapeHtml(state.language || "da")}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(labels.title)} · boardkit</title>` +
    `<link rel="stylesheet" href="/static/vendor/dkfds/css/dkfds.min.css"><link rel="stylesheet" href="/static/css/app.css"></head>` +
    `<body><main class="container page-container" id="main-content"><h1 class="mt-7">${escapeHtml(labels.title)}</h1>` +
    (items ? `<p>${escapeHtml(labels.text)}</p><ul>${items}</ul>` : `<p>${escapeHtml(labels.none)}</p>`) +
    `<p><a href="/">${escapeHtml(labels.home)}</a></p></main></body></html>`;
  return new Response(body, {
    status: 503,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'self'",
    },
  });
}

// Kept copies are refreshed by sync(), not here: a page seen online may carry a one-off message.
async function networkFirst(event, key, navigation) {
  const cache = await caches.open(PACKS);
  try {
    const response = await fetch(event.request);
    if (GONE.has(response.status)) event.waitUntil(forget(key));
    return response;
  } catch (e) {
    const cached = await cache.match(key);
    if (cached) return cached;
    if (navigation) return offlinePage();
    return Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event));
  } else if (PACK_PATH.test(url.pathname) && !url.searchParams.has("notes")) {
    // Online the reader's own download counts as opened; offline the kept copy opens.
    event.respondWith(networkFirst(event, url.pathname, request.mode === "navigate"));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, url.pathname, true));
  }
});
