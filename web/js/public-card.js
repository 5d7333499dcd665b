// On the server-rendered public card page: when this phone has the app signed in (an IndexedDB
// session), record the swap (method `link`) in the outbox and open the app on that contact.
import { getMeta } from './db.js';
import { swapFromToken } from './actions.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { messageOf } from './errors.js';

async function main() {
  const el = document.getElementById('card');
  const status = document.getElementById('app-status');
  if (!el || !('indexedDB' in window)) return;
  const session = await getMeta('session').catch(() => null);
  if (!session) return;
  // The app's language (the page has the event's): this one line is the app speaking.
  await i18n.start(session.settings && session.settings.language, { page: false });
  status.lang = i18n.language();
  status.dir = i18n.direction();
  try {
    const { contact } = await swapFromToken(el.dataset.token, 'link');
    status.textContent = t('public.saved_in_app');
    window.location.replace(`/contacts/${encodeURIComponent(contact.id)}`);
  } catch (err) {
    status.textContent = messageOf(err);
  }
}

main();
