// Every user action: the contact and its op are written in ONE IndexedDB transaction, then a
// sync is asked for. Works offline; the outbox holds the op until the server acks it.
import { getMeta, req, tx } from './db.js';
import { decodeCardToken } from './cardtoken.js';
import { nowIso, uuid7 } from './uuid7.js';
import { registerBackgroundSync, requestSync } from './sync.js';
import { t } from './i18n.js';

function newContact(id, card, method, at) {
  return {
    id,
    card,
    verified: false,
    met_at: at,
    methods: [method],
    notes: '',
    tags: [],
    follow_up: 'none',
    follow_up_on: null,
    starred: false,
    deleted: false,
    updated_at: null,
  };
}

async function record(contactId, op, change) {
  const saved = await tx(['contacts', 'outbox'], 'readwrite', async (s) => {
    const existing = await req(s.contacts.get(contactId));
    const contact = change(existing);
    if (contact) s.contacts.put(contact);
    else s.contacts.delete(contactId);
    s.outbox.put({ id: op.id, contact_id: contactId, op });
    return contact;
  });
  requestSync();
  if (!navigator.onLine) registerBackgroundSync(); // the page may be gone when it is back
  return saved;
}

export class SwapError extends Error {}

// A swap from an attendee's card token (QR, NFC or the /c/ link), recorded offline.
export async function swapFromToken(token, method) {
  const decoded = decodeCardToken(token);
  if (!decoded) throw new SwapError(t('swap.unreadable'));
  const session = await getMeta('session');
  if (!session) throw new SwapError(t('swap.join_first'));
  if (decoded.attendee_id === session.attendee.id) throw new SwapError(t('swap.own_card'));
  const id = `att:${decoded.attendee_id}`;
  // Scanning someone already held (the camera still sees them, a reload on the scan screen) is
  // no new swap: the server keeps verified contacts linked to their current card anyway.
  const held = await tx(['contacts'], 'readonly', (s) => req(s.contacts.get(id)));
  if (held && !held.deleted && !held.problem) return { contact: held, isNew: false, already: true };
  const at = nowIso();
  const op = { id: uuid7(), type: 'exchange', method, card_token: decoded.token, at };
  let isNew = false;
  const contact = await record(id, op, (c) => {
    if (c && !c.deleted) {
      if (!c.methods.includes(method)) c.methods = [...c.methods, method];
      return c;
    }
    isNew = !c;
    return c ? { ...c, deleted: false } : newContact(id, decoded.card, method, at);
  });
  return { contact, isNew };
}

// A foreign vCard or MECARD (from a QR or a file): an unverified external contact.
export async function addExternal(text, card, method = 'qr') {
  const same = (c) =>
    c.id.startsWith('ext:') &&
    !c.deleted &&
    c.card.fn === card.fn &&
    (c.card.emails || [])[0] === card.emails[0] &&
    (c.card.phones || [])[0] === card.phones[0];
  const all = await tx(['contacts'], 'readonly', (s) => req(s.contacts.getAll()));
  const held = all.find(same);
  if (held) return { contact: held, isNew: false, already: true };
  const id = `ext:${crypto.randomUUID()}`;
  const at = nowIso();
  const op = { id: uuid7(), type: 'exchange', method, contact_id: id, vcard: text, at };
  const contact = await record(id, op, () => newContact(id, card, method, at));
  return { contact, isNew: true };
}

export async function updateContact(id, set) {
  const op = { id: uuid7(), type: 'contact.update', contact_id: id, set, at: nowIso() };
  return record(id, op, (c) => (c ? { ...c, ...set } : c));
}

export async function deleteContact(id) {
  const op = { id: uuid7(), type: 'contact.delete', contact_id: id, at: nowIso() };
  return record(id, op, () => null);
}
