// On the server-rendered public card page: when this phone has the app signed in (an IndexedDB
// session), record the swap (method `link`) in the outbox and open the app on that contact.
import { getMeta } from './db.js';
import { swapFromToken } from './actions.js';

async function main() {
  const el = document.getElementById('card');
  const status = document.getElementById('app-status');
  if (!el || !('indexedDB' in window)) return;
  const session = await getMeta('session').catch(() => null);
  if (!session) return;
  try {
    const { contact } = await swapFromToken(el.dataset.token, 'link');
    status.textContent = 'Saved in your cardswap app.';
    window.location.replace(`/contacts/${encodeURIComponent(contact.id)}`);
  } catch (err) {
    status.textContent = err.message;
  }
}

main();
