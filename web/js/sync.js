// Sync through POST /api/sync: send the outbox (<= 500 ops), then store acks, rejections, the
// cursor and the changes in ONE transaction; loop while the server says `more`. A new photo of
// my card goes first, and the session it answers is kept. Retries with backoff. DOM-free so the
// service worker's Background Sync can run it too.
import { allOutbox, deviceId, getMeta, req, setMeta, tx, wipe } from './db.js';
import { nowIso } from './uuid7.js';

const BATCH = 500;
const listeners = new Set();
let running = null;
let again = false;
let failures = 0;
let retryTimer = null;
// `unreachable`: the last try got no answer from our server although the phone is online (a
// dead uplink, a venue's Wi-Fi sign-in page, a proxy whose server is down).
// `error` is the last failure in English (logs); `reason` says it for the status bar to word in
// the app's language: {kind: 'no_answer'|'status'|'web_page'|'cut_off'|'signed_out'|'refused'|
// 'failed', status?, code?, message?}.
export const state = { syncing: false, error: '', reason: null, signedOut: false, unreachable: false };

export class SyncError extends Error {
  constructor(message, reason) {
    super(message);
    this.reason = reason;
  }
}
export class Unreachable extends SyncError {}

export function onSyncChange(fn) {
  listeners.add(fn);
}
function notify() {
  for (const fn of listeners) {
    try {
      fn();
    } catch {
      /* a view went away */
    }
  }
}

function mergePending(contact, pending) {
  let merged = contact;
  for (const rec of pending) {
    const op = rec.op;
    if (op.type === 'contact.update') merged = { ...merged, ...op.set };
    if (op.type === 'contact.delete') merged = null;
    if (op.type === 'exchange' && merged === null) merged = { ...contact, deleted: false };
  }
  return merged;
}

async function applyResponse(data) {
  await tx(['outbox', 'contacts', 'meta', 'problems'], 'readwrite', async (s) => {
    for (const id of data.acked || []) s.outbox.delete(id);
    for (const r of data.rejected || []) {
      const rec = await req(s.outbox.get(r.id));
      if (!rec) continue; // another syncer (the service worker) already filed it
      s.problems.put({ id: r.id, code: r.code, message: r.message, at: nowIso(), contact_id: rec.contact_id, type: rec.op.type });
      s.outbox.delete(r.id);
      if (rec.op.type === 'exchange') {
        const c = await req(s.contacts.get(rec.contact_id));
        if (c && !c.verified) s.contacts.put({ ...c, problem: r.message, problem_code: r.code });
      }
    }
    const left = await req(s.outbox.getAll());
    for (const change of data.changes || []) {
      const pending = left.filter((rec) => rec.contact_id === change.id);
      const contact = mergePending(change.deleted ? null : change, pending);
      if (contact) s.contacts.put(contact);
      else s.contacts.delete(change.id);
    }
    s.meta.put(data.cursor, 'cursor');
    s.meta.put(nowIso(), 'last_sync');
  });
}

// One POST /api/sync; `auth` carries a booth staff phone's bearer token (js/booth-sync.js).
export async function post(body, auth = {}) {
  let response;
  try {
    response = await fetch('/api/sync', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...auth },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Unreachable('no answer from the server', { kind: 'no_answer' });
  }
  if (response.status >= 500) {
    throw new Unreachable(`the server answered ${response.status}`, { kind: 'status', status: response.status });
  }
  // Our server always answers JSON; a web page means something else answered in its place.
  if (!/^application\/json\b/i.test(response.headers.get('Content-Type') || '')) {
    throw new Unreachable('a web page answered instead of the server (Wi-Fi sign-in?)', { kind: 'web_page' });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    throw new Unreachable('the answer was cut off', { kind: 'cut_off' });
  }
  return { status: response.status, data };
}

async function cacheQr() {
  try {
    const response = await fetch('/api/me/qr.svg', { credentials: 'same-origin' });
    if (response.ok) await setMeta('qr_svg', await response.text());
  } catch {
    /* offline: keep the cached one */
  }
}

// Keep a `GET /api/me`-shaped answer as this phone's session (meta.session), and its QR.
export async function keepMe(me) {
  const old = await getMeta('session');
  if (old && old.attendee.id !== me.attendee.id) await wipe();
  const session = {
    attendee: me.attendee,
    card_url: me.card_url,
    event: me.event || null,
    settings: me.settings || { share_back: true },
  };
  await setMeta('session', session);
  await cacheQr();
  return session;
}

// My card's new photo ({id, type, bytes, url} or {id, remove}), sent once; a refusal: a problem.
async function sendPhoto() {
  const p = await getMeta('pending_photo');
  if (!p) return;
  const headers = { Accept: 'application/json', 'Content-Type': p.type || 'image/jpeg' };
  const response = await fetch('/api/me/photo', {
    method: p.remove ? 'DELETE' : 'PUT',
    credentials: 'same-origin',
    headers,
    body: p.bytes,
  }).catch(() => null);
  if (!response || response.status >= 500) throw new Unreachable('no answer from the server', { kind: 'no_answer' });
  if (response.status === 401) return; // kept; the sync says "signed out"
  const data = await response.json().catch(() => ({}));
  await tx(['meta', 'problems'], 'readwrite', async (s) => {
    const now = await req(s.meta.get('pending_photo'));
    if (now && now.id === p.id) s.meta.delete('pending_photo');
    if (!response.ok)
      s.problems.put({ id: p.id, code: 'refused', message: 'The photo was refused.', ...data.error, at: nowIso(), type: 'photo' });
  });
  if (response.ok) await keepMe(data);
}

// Fetch the changed contacts' small photos, 4 at a time: the service worker keeps them.
function keepPhotos(changes) {
  const urls = changes.filter((c) => !c.deleted && c.card.photo).map((c) => c.card.photo.small);
  const next = () => urls.length && fetch(urls.shift()).then(next, next);
  if (typeof window !== 'undefined') [1, 2, 3, 4].forEach(next);
}

async function runOnce() {
  const session = await getMeta('session');
  if (!session) return;
  await sendPhoto();
  const device = await deviceId();
  for (let round = 0; round < 1000; round += 1) {
    const outbox = (await allOutbox()).slice(0, BATCH);
    const cursor = (await getMeta('cursor')) || null;
    const { status, data } = await post({ device_id: device, cursor, ops: outbox.map((r) => r.op) });
    if (status === 401) {
      state.signedOut = true;
      throw new SyncError('Signed out: sign in again.', { kind: 'signed_out' });
    }
    if (status === 400 && data && data.error && data.error.code === 'invalid_cursor') {
      await tx(['meta'], 'readwrite', (s) => s.meta.delete('cursor'));
      continue;
    }
    if (status !== 200 || !data) {
      const error = (data && data.error) || null;
      if (error) throw new SyncError(error.message || error.code, { kind: 'refused', code: error.code, message: error.message });
      throw new SyncError(`Sync failed (${status}).`, { kind: 'failed', status });
    }
    state.signedOut = false;
    await applyResponse(data);
    keepPhotos(data.changes || []);
    notify();
    const remaining = (await allOutbox()).length;
    if (!data.more && remaining === 0) return;
  }
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  const delay = Math.min(60000, 1000 * 2 ** Math.min(failures, 6));
  retryTimer = setTimeout(() => {
    requestSync();
  }, delay);
}

// Sync now (coalesced: a call while one runs makes it go round once more).
export function requestSync() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(retryTimer);
  state.syncing = true;
  notify();
  running = runOnce()
    .then(
      () => {
        failures = 0;
        state.error = '';
        state.reason = null;
        state.unreachable = false;
      },
      (err) => {
        failures += 1;
        state.error = err && err.message ? err.message : 'Sync failed.';
        state.reason = (err && err.reason) || { kind: 'failed' };
        // Offline, every fetch fails: that says nothing about the server.
        state.unreachable = err instanceof Unreachable && navigator.onLine !== false;
        registerBackgroundSync();
      },
    )
    .then(async () => {
      running = null;
      state.syncing = false;
      const pending = (await allOutbox()).length;
      notify();
      if (again) {
        again = false;
        requestSync();
      } else if (pending > 0 || state.error) {
        if (!state.signedOut) scheduleRetry();
      }
    });
  return running;
}

export function registerBackgroundSync() {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((reg) => {
      if (reg.sync) return reg.sync.register('cardswap-sync');
      return null;
    })
    .catch(() => {});
}
