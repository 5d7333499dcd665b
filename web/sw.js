// The service worker: precache the whole shell under one content-hashed version (stamped in by
// the server), delete old caches on activate, serve the cached shell for every app navigation
// (so /c/<token> and /join/... open offline), and run Background Sync. Message catalogues
// (/i18n/<tag>.json) are not precached: a phone keeps the ones it fetched, and a new version
// fetches those again on install, so the app still starts offline in its language.
import { requestSync } from '/js/sync.js'; // module-only
import { requestBoothSync } from '/js/booth-sync.js'; // module-only

const VERSION = '__SHELL_VERSION__';
const FILES = [/*__SHELL_FILES__*/];
const LAZY = [/*__SHELL_LAZY__*/]; // kept when first used
const CATALOGUE = /^\/i18n\/[A-Za-z-]+\.json$/; // kept when first used, carried to new versions
const PREFIX = 'cardswap-shell-';
const CACHE = PREFIX + VERSION;
// The route table (web/routes.json), stamped in by the server as [regex source, flags] pairs:
// the app's own pages get the cached shell; any other navigation goes to the network.
const regexes = (pairs) => pairs.map(([source, flags]) => new RegExp(source, flags));
const APP_PAGES = regexes([/*__APP_PAGES__*/]);
const PASS_THROUGH = regexes([/*__NETWORK_ONLY__*/]);
// Photo URLs are versioned (never stale); their own cache, bounded: the oldest go.
const PHOTOS = 'cardswap-photos';
const MAX_PHOTOS = 1500;
let puts = 0;

async function photo(request) {
  const cache = await caches.open(PHOTOS);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    if (++puts % 50 === 1) {
      const keys = await cache.keys(); // oldest first
      await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PHOTOS)).map((k) => cache.delete(k)));
    }
  }
  return response;
}

// The catalogues an older version of us kept: this phone's languages.
async function keptCatalogues() {
  const urls = new Set();
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    for (const request of await (await caches.open(name)).keys()) {
      const path = new URL(request.url).pathname;
      if (CATALOGUE.test(path)) urls.add(path);
    }
  }
  return [...urls];
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(FILES.map((url) => new Request(url, { cache: 'reload' })));
      // This version's text of each (no network: the install fails and is tried again later; a
      // language no longer offered is dropped).
      for (const url of await keptCatalogues()) {
        const response = await fetch(new Request(url, { cache: 'reload' }));
        if (response.ok) await cache.put(url, response);
      }
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  // A page that loaded past us (its navigation began before we activated, or a hard reload)
  // asks to be taken over, so its later files (the QR decoder) come from the cache offline.
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PASS_THROUGH.some((re) => re.test(url.pathname))) return;
  if (url.pathname.startsWith('/photos/')) {
    event.respondWith(photo(request));
    return;
  }
  // The manifest in the app's language (?lang=): from the server, the cached English one offline.
  if (url.pathname === '/manifest.webmanifest' && url.search) {
    event.respondWith(fetch(request).catch(async () => (await caches.open(CACHE)).match('/manifest.webmanifest')));
    return;
  }
  if (request.mode === 'navigate') {
    if (!APP_PAGES.some((re) => re.test(url.pathname))) return;
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match('/')) || fetch(request);
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const kept = await cache.match(request, { ignoreSearch: true });
      if (kept) return kept;
      const response = await fetch(request);
      if (response.ok && (LAZY.includes(url.pathname) || CATALOGUE.test(url.pathname))) {
        await cache.put(url.pathname, response.clone());
      }
      return response;
    })(),
  );
});

// Background Sync (Chromium, where module workers exist too); a classic copy of this file, for
// browsers without module workers, is served as /sw.js?classic=1 without these lines.
// prettier-ignore
self.addEventListener('sync', (event) => { // module-only
  if (event.tag === 'cardswap-sync') event.waitUntil(requestSync()); // module-only
  if (event.tag === 'cardswap-booth-sync') event.waitUntil(requestBoothSync()); // module-only
}); // module-only
