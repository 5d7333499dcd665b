// A booth's staff phone (DESIGN.md section 13): its staff session, its leads and their outbox in
// IndexedDB, and their sync through POST /api/sync with the staff bearer token. Every capture or
// edit is written with its op in ONE transaction (saved on this phone at once, offline too), then
// a sync is asked for; the answer's acks, rejections, leads and cursor are stored in one
// transaction, the phone's unsent ops laid over the server's leads. DOM-free, so the service
// worker's Background Sync runs it too.
import { api } from './api.js';
import { allLeadOutbox, deviceId, getMeta, req, tx } from './db.js';
import { post, Unreachable } from './sync.js';
import { nowIso, uuid7 } from './uuid7.js';

const BATCH = 500;
const SYNC_TAG = 'cardswap-booth-sync';
const listeners = new Set();
let running = null;
let again = false;
let failures = 0;
let retryTimer = null;
export const boothState = { syncing: false, error: '', signedOut: false, unreachable: false };

export const staff = () => getMeta('staff');
export const leadId = (attendeeId) => `lead:${attendeeId}`;

export function onBoothSync(fn) {
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

export class JoinRefused extends Error {}

// Join a booth with its staff link's token: the server's staff session is kept on this phone.
// Leads of another booth still unsent stop it (they would go to the wrong booth).
export async function joinBooth(token) {
  const device = await deviceId();
  const answer = await api('POST', '/api/booth/staff', { token, device_id: device });
  const before = await staff();
  const otherBooth = before && before.booth.id !== answer.booth.id;
  if (otherBooth && (await allLeadOutbox()).length) throw new JoinRefused(before.booth.name);
  await tx(['meta', 'leads', 'lead_outbox'], 'readwrite', async (s) => {
    if (otherBooth) {
      s.leads.clear();
      s.lead_outbox.clear();
      s.meta.delete('staff_cursor');
    }
    s.meta.put({ token: answer.token, booth: answer.booth }, 'staff');
  });
  boothState.signedOut = false;
  requestBoothSync();
  return answer.booth;
}

// One op laid over a lead, as the server will apply it (a capture's note joins the notes).
function applyOp(lead, op, card) {
  if (op.type === 'lead.capture') {
    const base = lead || { card, answers: {}, notes: '', captured_at: op.at, deleted: false, updated_at: null };
    const next = { ...base, answers: { ...base.answers, ...(op.answers || {}) }, deleted: false };
    if (op.note && !next.notes.includes(op.note)) next.notes = next.notes ? `${next.notes}\n\n${op.note}` : op.note;
    return next;
  }
  if (!lead) return lead;
  if (op.type === 'lead.delete') return { ...lead, deleted: true };
  const answers = { ...lead.answers };
  for (const [q, v] of Object.entries(op.set.answers || {})) {
    if (v === null) delete answers[q];
    else answers[q] = v;
  }
  const next = { ...lead, answers };
  if (op.set.notes !== undefined && op.set.notes !== null) next.notes = op.set.notes;
  return next;
}

async function record(id, op, card) {
  const saved = await tx(['leads', 'lead_outbox'], 'readwrite', async (s) => {
    const lead = applyOp(await req(s.leads.get(id)), op, card);
    if (lead) s.leads.put({ ...lead, id, pending: true });
    s.lead_outbox.put({ id: op.id, lead_id: id, card, op });
    return lead;
  });
  requestBoothSync();
  if (typeof navigator !== 'undefined' && !navigator.onLine) registerBoothSync();
  return saved;
}

// A scanned card (decodeCardToken's result): the lead is saved on this phone at once. Scanned
// again, or saved from the form with answers and a note, it is another capture of the same
// lead: the server merges them into one (answers by last writer, every note kept).
export function captureLead(decoded, answers = {}, note = '') {
  const op = { id: uuid7(), type: 'lead.capture', at: nowIso(), card_token: decoded.token };
  if (Object.keys(answers).length) op.answers = answers;
  if (note) op.note = note;
  return record(leadId(decoded.attendee_id), op, decoded.card);
}

export function updateLead(id, set) {
  return record(id, { id: uuid7(), type: 'lead.update', at: nowIso(), lead_id: id, set });
}

export function deleteLead(id) {
  return record(id, { id: uuid7(), type: 'lead.delete', at: nowIso(), lead_id: id });
}

// Each lead the answer touches is the server's copy (`server`, kept with it) with this phone's
// unsent ops laid over it: a refused op is thereby taken back, and a capture the server refused
// before it ever had the lead leaves nothing behind (its reason is in the problems list).
async function applyResponse(data) {
  await tx(['lead_outbox', 'leads', 'meta', 'problems'], 'readwrite', async (s) => {
    // One read of each store (a sync of a day offline touches thousands of leads).
    const outbox = new Map((await req(s.lead_outbox.getAll())).map((rec) => [rec.id, rec]));
    const stored = new Map((await req(s.leads.getAll())).map((lead) => [lead.id, lead]));
    const touched = new Set();
    const applied = new Set(); // leads the server holds now, maybe on a later page of changes
    for (const id of data.acked || []) {
      const rec = outbox.get(id);
      if (!rec) continue;
      touched.add(rec.lead_id);
      applied.add(rec.lead_id);
      outbox.delete(id);
      s.lead_outbox.delete(id);
    }
    for (const r of data.rejected || []) {
      const rec = outbox.get(r.id);
      if (!rec) continue; // another syncer (the service worker) already filed it
      s.problems.put({ id: r.id, code: r.code, message: r.message, at: nowIso(), lead_id: rec.lead_id, type: rec.op.type });
      outbox.delete(r.id);
      s.lead_outbox.delete(r.id);
      touched.add(rec.lead_id);
    }
    const pendingOf = new Map();
    for (const rec of outbox.values()) {
      if (!pendingOf.has(rec.lead_id)) pendingOf.set(rec.lead_id, []);
      pendingOf.get(rec.lead_id).push(rec);
    }
    const changed = new Map((data.changes || []).map((lead) => [lead.id, lead]));
    for (const id of changed.keys()) touched.add(id);
    for (const id of touched) {
      const kept = stored.get(id);
      const server = changed.get(id) || (kept && kept.server) || null;
      const pending = (pendingOf.get(id) || []).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (!server && !pending.length && kept && applied.has(id)) {
        s.leads.put({ ...kept, pending: false }); // its server copy comes with the next page
        continue;
      }
      let lead = server && !server.deleted ? server : null;
      for (const rec of pending) lead = applyOp(lead, rec.op, rec.card);
      if (lead && !lead.deleted) s.leads.put({ ...lead, id, server, pending: pending.length > 0 });
      else if (kept) s.leads.delete(id);
    }
    s.meta.put(data.cursor, 'staff_cursor');
    s.meta.put(nowIso(), 'staff_last_sync');
  });
}

async function runOnce() {
  const session = await staff();
  if (!session) return;
  const device = await deviceId();
  const auth = { Authorization: `Bearer ${session.token}` };
  for (let round = 0; round < 1000; round += 1) {
    const outbox = (await allLeadOutbox()).slice(0, BATCH);
    const cursor = (await getMeta('staff_cursor')) || null;
    const { status, data } = await post({ device_id: device, cursor, ops: outbox.map((r) => r.op) }, auth);
    if (status === 401) {
      boothState.signedOut = true;
      throw new Error((data && data.error && data.error.message) || 'Join the booth again.');
    }
    if (status === 400 && data && data.error && data.error.code === 'invalid_cursor') {
      await tx(['meta'], 'readwrite', (s) => s.meta.delete('staff_cursor'));
      continue;
    }
    if (status !== 200 || !data) throw new Error((data && data.error && data.error.message) || `${status}`);
    boothState.signedOut = false;
    await applyResponse(data);
    notify();
    if (!data.more && (await allLeadOutbox()).length === 0) break;
  }
  await refreshBooth(session);
}

// The booth's name and questions as they are now (the organizer or the booth's lead may have
// changed the questions since this phone last looked).
async function refreshBooth(session) {
  const response = await fetch('/api/booth', {
    credentials: 'same-origin',
    headers: { Accept: 'application/json', Authorization: `Bearer ${session.token}` },
  }).catch(() => null);
  if (!response || !response.ok) return;
  const booth = await response.json().catch(() => null);
  if (!booth) return;
  await tx(['meta'], 'readwrite', async (s) => {
    const kept = await req(s.meta.get('staff'));
    if (kept && kept.token === session.token) s.meta.put({ ...kept, booth }, 'staff');
  });
  notify();
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(requestBoothSync, Math.min(60000, 1000 * 2 ** Math.min(failures, 6)));
}

// Sync the booth's leads now (coalesced: a call while one runs makes it go round once more).
export function requestBoothSync() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(retryTimer);
  boothState.syncing = true;
  notify();
  running = runOnce()
    .then(
      () => {
        failures = 0;
        boothState.error = '';
        boothState.unreachable = false;
      },
      (err) => {
        failures += 1;
        boothState.error = (err && err.message) || 'sync failed';
        boothState.unreachable = err instanceof Unreachable && navigator.onLine !== false;
        registerBoothSync();
      },
    )
    .then(async () => {
      running = null;
      boothState.syncing = false;
      const pending = (await allLeadOutbox()).length;
      notify();
      if (again) {
        again = false;
        requestBoothSync();
      } else if ((pending > 0 || boothState.error) && !boothState.signedOut) scheduleRetry();
    });
  return running;
}

// What the status bar shows of the booth: unsent ops and the last sync.
export async function boothStatus() {
  const session = await staff();
  if (!session) return null;
  return { pending: (await allLeadOutbox()).length, last: await getMeta('staff_last_sync') };
}

export function registerBoothSync() {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready.then((reg) => (reg.sync ? reg.sync.register(SYNC_TAG) : null)).catch(() => {});
}
