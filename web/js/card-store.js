// The signed-in attendee as this phone keeps it (meta.session, the QR's SVG); DOM-free.
import { getMeta, setMeta, wipe } from './db.js';

async function cacheQr() {
  try {
    const response = await fetch('/api/me/qr.svg', { credentials: 'same-origin' });
    if (response.ok) await setMeta('qr_svg', await response.text());
  } catch {
    /* offline: keep the cached one */
  }
}

// Keep a `GET /api/me`-shaped answer as the session.
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
