// The controller: service worker and update prompt, the router, the sync status bar, and the
// sync triggers (start, online, visible, focus, after each op, backoff, and Background Sync
// where the browser has it: iOS and Firefox do not, so the others must do).
import { h, fmtTime, toast } from './dom.js';
import { allOutbox, allProblems, getMeta } from './db.js';
import { onSyncChange, requestSync, state as syncState } from './sync.js';
import { watchInstallPrompt } from './install.js';
import { askPersistence } from './platform.js';
import * as session from './session.js';
import * as me from './screens/me.js';
import { scan } from './screens/scan.js';
import { cardLink, detail, list } from './screens/contacts.js';
import { PAGES, isServerPath } from './routes.js';
import { chosen, match, use } from './i18n.js';
import { staff } from './booth-sync.js';
import { boothStatusParts, drawBoothTab, onBoothSync, syncBooth } from './booth-app.js';
import { booth, boothJoin, boothLead, boothQuestions } from './screens/booth.js';

// The screen for each page name of routes.json.
const SCREENS = {
  home: me.home,
  join: me.join,
  card: me.card,
  scan,
  contacts: list,
  contact: detail,
  settings: me.settings,
  problems: me.problems,
  cardLink,
  booth,
  boothJoin,
  boothLead,
  boothQuestions,
};

let leaveHooks = [];
let syncHooks = [];
const ctx = {
  session: null,
  onLeave(fn) {
    leaveHooks.push(fn);
  },
  onSync(fn) {
    syncHooks.push(fn);
  },
  go(path, replace = false) {
    history[replace ? 'replaceState' : 'pushState'](null, '', path);
    return build(location.pathname);
  },
  async reload(path) {
    if (path && path !== location.pathname + location.search) history.pushState(null, '', path);
    await render();
  },
};

async function build(path) {
  if (path === '/' && !ctx.session && (await staff())) return ctx.go('/booth', true); // staff only
  for (const [re, screen] of PAGES) {
    const m = re.exec(path);
    if (m) return SCREENS[screen](ctx, ...m.slice(1));
  }
  return h('section', {}, h('h1', {}, 'Not here'), h('p', {}, h('a', { href: '/' }, 'Go to the start')));
}

// Known once start() has read this phone's session (and catalogue): a link tapped before that
// is drawn after it, never as if signed out.
let started;
const ready = new Promise((resolve) => {
  started = resolve;
});

async function render() {
  await ready;
  for (const fn of leaveHooks) fn();
  leaveHooks = [];
  syncHooks = [];
  const main = document.getElementById('main');
  let view;
  try {
    view = await build(location.pathname);
  } catch (err) {
    view = h('p', { class: 'error', role: 'alert' }, `Something went wrong: ${err.message}`);
  }
  main.replaceChildren(view);
  window.scrollTo(0, 0);
  for (const a of document.querySelectorAll('nav.tabs a')) {
    if (location.pathname.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.querySelector('nav.tabs').hidden = !ctx.session;
  if (ctx.session) drawBoothTab(document.querySelector('nav.tabs'));
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · cardswap` : 'cardswap';
  updateStatus();
}

// Offline: the phone has no network. Unreachable: it has one, but our server does not answer.
function network() {
  if (!navigator.onLine) return 'offline';
  return syncState.unreachable ? 'unreachable' : 'online';
}
const NETWORK_WORDS = { offline: 'Offline', unreachable: 'Server unreachable', online: 'Online' };

async function updateStatus() {
  const el = document.getElementById('status');
  const booth = await boothStatusParts(); // a booth staff phone's leads count as well
  const pending = (await allOutbox()).length + booth.pending;
  const problems = (await allProblems()).length;
  const last = [await getMeta('last_sync'), booth.last].filter(Boolean).sort().pop();
  const net = network();
  const parts = [NETWORK_WORDS[net]];
  if (syncState.syncing || booth.syncing) parts.push('syncing…');
  parts.push(...booth.words);
  parts.push(pending ? `${pending} saved on this phone, not yet synced` : 'all synced');
  if (last) parts.push(`last sync ${fmtTime(last)}`);
  if (syncState.signedOut) parts.push('signed out: open your join link or sign in again');
  else if (syncState.error && navigator.onLine) parts.push(`retrying: ${syncState.error}`);
  if (problems) parts.push(`${problems} problem${problems > 1 ? 's' : ''}`);
  el.textContent = parts.join(' · ');
  el.dataset.pending = String(pending);
  el.dataset.online = String(navigator.onLine);
  el.dataset.network = net;
  el.classList.toggle('offline', net !== 'online');
  el.classList.toggle('has-problems', problems > 0);
}

function interceptLinks() {
  document.addEventListener('click', (event) => {
    const a = event.target.closest('a');
    if (!a || a.target || a.hasAttribute('download') || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || isServerPath(url.pathname)) return;
    event.preventDefault();
    history.pushState(null, '', url.pathname + url.search);
    render().then(() => document.getElementById('main').focus({ preventScroll: true }));
  });
  window.addEventListener('popstate', render);
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  let reloading = false;
  let waiting = null;
  const offer = (worker) => {
    waiting = worker;
    document.getElementById('update').hidden = false;
  };
  document.getElementById('update-reload').addEventListener('click', () => {
    reloading = true;
    if (waiting) waiting.postMessage('skip-waiting');
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) window.location.reload();
    keepCropper();
  });
  // A module worker (it runs Background Sync with the app's own sync module); browsers without
  // module workers get the classic copy.
  navigator.serviceWorker
    .register('/sw.js', { type: 'module', scope: '/' })
    .catch(() => navigator.serviceWorker.register('/sw.js?classic=1', { scope: '/' }))
    .then((reg) => {
      if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const worker = reg.installing;
        worker.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
        });
      });
    })
    .catch((err) => toast(`Offline mode unavailable: ${err.message}`));
  navigator.serviceWorker.ready.then((reg) => {
    if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage('claim');
  });
}

// Signed in, online, the worker in charge: it keeps the photo cropper (not precached) offline.
function keepCropper() {
  if (!ctx.session || !navigator.serviceWorker?.controller) return;
  caches.match('/js/photo.js').then((kept) => kept || fetch('/js/photo.js').catch(() => {}));
}

function watchSyncTriggers() {
  const sync = () => {
    if (ctx.session) requestSync();
    syncBooth();
  };
  window.addEventListener('online', () => {
    updateStatus();
    sync();
  });
  window.addEventListener('offline', updateStatus);
  // Not on hidden: WebKit keeps a page it leaves in its back/forward cache, and a sync caught
  // there mid-transaction blocks the database for the page that comes next (a card link).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sync();
  });
  // Back to a window that stayed visible (iPad split view, a desktop): no visibilitychange.
  window.addEventListener('focus', sync);
  // New swaps from others arrive while the app stays open on a conference floor.
  setInterval(() => {
    if (ctx.session && navigator.onLine && document.visibilityState === 'visible') requestSync();
    if (navigator.onLine && document.visibilityState === 'visible') syncBooth();
  }, 30000);
}

async function start() {
  registerWorker();
  watchInstallPrompt(); // before any await: the browser's install prompt may come at once
  askPersistence();
  interceptLinks();
  await use(chosen() || match(navigator.languages)).catch(() => {}); // the catalogue t() reads
  ctx.session = await session.current();
  if (!ctx.session && navigator.onLine) {
    const fresh = await session.refresh();
    if (fresh) ctx.session = fresh;
  } else if (navigator.onLine) {
    session.refresh().then((fresh) => {
      if (fresh) ctx.session = fresh;
      if (fresh === null) {
        // the server no longer knows this phone's session
        syncState.signedOut = true;
        if (location.pathname.startsWith('/join/')) render();
        else updateStatus();
      }
    });
  }
  started();
  onSyncChange(() => {
    updateStatus();
    for (const fn of syncHooks) fn();
    if (!syncState.syncing && !syncState.error) keepCropper();
  });
  onBoothSync(() => {
    updateStatus();
    for (const fn of syncHooks) fn();
  });
  watchSyncTriggers();
  if (ctx.session) requestSync(); // as early as possible: before drawing the first screen
  syncBooth();
  await render();
  document.documentElement.dataset.ready = 'true';
}

start();
