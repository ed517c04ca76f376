// Vizkraft's service worker: it keeps the application shell (the page, its wasm, scripts,
// styles and icons) so the app opens offline and says so. It never stores an API response:
// results are the user's data and live in the tab's memory only. Requests under /api/ and
// /healthz are not even seen here; they go straight to the network.
//
// Shell files are fetched from the network first; the cache answers only when the network
// does not.
//
// Updates: every build stamps its own id below (scripts/stamp-service-worker, run by Trunk),
// so a new deployment is a new worker. It installs beside the one serving open pages and
// waits; the page offers "Reload to update" and, when the user agrees, asks it to take over.

const BUILD = "__VIZKRAFT_BUILD__";
const SHELL_CACHE = "vizkraft-shell-v1";

self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isShell(request) {
  const url = new URL(request.url);
  return (
    request.method === "GET" &&
    url.origin === self.location.origin &&
    !url.pathname.startsWith("/api/") &&
    url.pathname !== "/healthz"
  );
}

self.addEventListener("fetch", (event) => {
  if (!isShell(event.request)) {
    return; // the network, untouched: never cached, never answered from a cache
  }
  // Every client-side route is the same page.
  const key = event.request.mode === "navigate" ? "/" : event.request;
  event.respondWith(
    fetch(event.request).then(
      (response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(key, copy)).then(() => prune(key)));
        }
        return response;
      },
      () => caches.match(key).then((cached) => cached || Response.error()),
    ),
  );
});

// A fresh page names the current build's files; files of older builds are dropped.
async function prune(key) {
  if (key !== "/") return;
  const cache = await caches.open(SHELL_CACHE);
  const page = await cache.match("/");
  if (!page) return;
  const html = await page.text();
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    const hashed = /-[0-9a-f]{16}(_bg)?\.(wasm|js|css)$/.test(path);
    if (hashed && !html.includes(path)) await cache.delete(request);
  }
}
