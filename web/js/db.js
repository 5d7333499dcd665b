// The one module that owns IndexedDB: opening, versioned upgrades, and small transaction helpers.
// Works in pages and in the service worker (no DOM). Never await the network inside tx().

const DB_NAME = 'cardswap';
const DB_VERSION = 2;
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (event.oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('contacts', { keyPath: 'id' });
          db.createObjectStore('outbox', { keyPath: 'id' });
          db.createObjectStore('problems', { keyPath: 'id' });
        }
        if (event.oldVersion < 2) {
          // A booth's staff phone (js/booth-sync.js): its leads and its own outbox of lead ops.
          db.createObjectStore('leads', { keyPath: 'id' });
          db.createObjectStore('lead_outbox', { keyPath: 'id' });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Runs fn(stores) in one transaction; resolves with fn's result once the transaction completes.
export async function tx(names, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    let out;
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || Object.assign(new Error('The change was not saved.'), { name: 'NotSaved' }));
    Promise.resolve(fn(stores)).then(
      (value) => {
        out = value;
      },
      (err) => {
        try {
          t.abort();
        } catch {
          /* already finished */
        }
        reject(err);
      },
    );
  });
}

export const getMeta = (key) => tx(['meta'], 'readonly', (s) => req(s.meta.get(key)));
export const setMeta = (key, value) => tx(['meta'], 'readwrite', (s) => req(s.meta.put(value, key)));
export const allContacts = () => tx(['contacts'], 'readonly', (s) => req(s.contacts.getAll()));
export const getContact = (id) => tx(['contacts'], 'readonly', (s) => req(s.contacts.get(id)));
export const allOutbox = () => tx(['outbox'], 'readonly', (s) => req(s.outbox.getAll()));
export const allProblems = () => tx(['problems'], 'readonly', (s) => req(s.problems.getAll()));
export const allLeads = () => tx(['leads'], 'readonly', (s) => req(s.leads.getAll()));
export const allLeadOutbox = () => tx(['lead_outbox'], 'readonly', (s) => req(s.lead_outbox.getAll()));

// A stable id for this install of the app (the server records unseen ids as new devices).
export async function deviceId() {
  return tx(['meta'], 'readwrite', async (s) => {
    let id = await req(s.meta.get('device_id'));
    if (!id) {
      id = crypto.randomUUID();
      s.meta.put(id, 'device_id');
    }
    return id;
  });
}

// Meta keys of the phone's booth staff session (js/booth-sync.js): an attendee's sign-out or
// deletion leaves the booth's leads and their unsent ops alone.
const KEPT = ['device_id', 'staff', 'staff_cursor', 'staff_last_sync'];

// Forget everything the attendee had but the device id (after "delete my data" or another
// account signs in).
export async function wipe() {
  return tx(['meta', 'contacts', 'outbox', 'problems'], 'readwrite', async (s) => {
    const kept = await Promise.all(KEPT.map((key) => req(s.meta.get(key))));
    s.meta.clear();
    s.contacts.clear();
    s.outbox.clear();
    s.problems.clear();
    KEPT.forEach((key, i) => {
      if (kept[i] !== undefined) s.meta.put(kept[i], key);
    });
  });
}
