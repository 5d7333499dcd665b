// Who this phone is signed in as: kept in IndexedDB (meta.session) so the app works offline;
// refreshed from /api/me whenever the network is there. The own card's QR SVG is cached too.
import { api, ApiError } from './api.js';
import { deviceId, getMeta, wipe } from './db.js';
import { keepMe as store, requestSync } from './sync.js';

export async function current() {
  return getMeta('session');
}

// Ask the server who the cookie belongs to (after /signin/<token>, or to refresh). Offline: null.
export async function refresh() {
  let me;
  try {
    const probe = await fetch('/shell/session', { credentials: 'same-origin' });
    if (probe.ok && !(await probe.json()).signed_in) return null;
    me = await api('GET', '/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    return undefined; // offline or server down: unknown
  }
  return store(me);
}

export async function register(slug, joinCode, card) {
  const device = await deviceId();
  await api('POST', `/api/events/${encodeURIComponent(slug)}/attendees`, { join_code: joinCode, card, device_id: device });
  const session = await refresh();
  requestSync();
  return session;
}

export async function saveCard(card) {
  return store(await api('PUT', '/api/me/card', { card }));
}

export async function saveSettings(settings) {
  return store(await api('PUT', '/api/me/settings', settings));
}

export async function deleteEverything() {
  await api('DELETE', '/api/me');
  await wipe();
  await caches.delete('cardswap-photos').catch(() => {});
}
