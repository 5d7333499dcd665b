// The booth's part of the app's controller (js/app.js): the staff phone's sync in the status
// bar, its sync triggers, and a Booth tab on a phone that is an attendee and staff both.
import { h } from './dom.js';
import { t } from './i18n.js';
import { boothState, boothStatus, onBoothSync, requestBoothSync, staff } from './booth-sync.js';

export { onBoothSync };

// Sync the booth's leads when this phone is staff of a booth.
export function syncBooth() {
  staff().then((session) => session && requestBoothSync());
}

// The booth's share of the status bar: unsent leads, the last sync, a lost staff session.
export async function boothStatusParts() {
  const status = await boothStatus();
  if (!status) return { pending: 0, last: null, syncing: false, words: [] };
  const words = boothState.signedOut ? [t('booth.status.signed_out')] : [];
  return { pending: status.pending, last: status.last, syncing: boothState.syncing, words };
}

// The Booth tab beside the attendee's tabs, while this phone is staff of a booth.
export async function drawBoothTab(nav) {
  const session = await staff();
  let tab = nav.querySelector('a[href="/booth"]');
  if (!session) {
    if (tab) tab.remove();
    return;
  }
  if (!tab) {
    tab = h('a', { href: '/booth' });
    nav.append(tab);
  }
  tab.textContent = t('booth.tab');
  if (location.pathname.startsWith('/booth')) tab.setAttribute('aria-current', 'page');
  else tab.removeAttribute('aria-current');
}
