// The controller: service worker and update prompt, the router, the sync status bar, and the
// sync triggers (start, online, visible, focus, after each op, backoff, and Background Sync
// where the browser has it: iOS and Firefox do not, so the others must do).
import { h, toast } from './dom.js';
import { allOutbox, allProblems, getMeta } from './db.js';
import { onSyncChange, requestSync, state as syncState } from './sync.js';
import { watchInstallPrompt } from './install.js';
import { askPersistence } from './platform.js';
import * as session from './session.js';
import * as me from './screens/me.js';
import { scan } from './screens/scan.js';
import { cardLink, detail, list } from './screens/contacts.js';
import { PAGES, isServerPath } from './routes.js';
import * as i18n from './i18n.js';
import { fmtTime, t } from './i18n.js';
import { describe, messageOf } from './errors.js';
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
  return h('section', {}, h('h1', {}, t('app.not_here')), h('p', {}, h('a', { href: '/' }, t('app.go_start'))));
}

// Known once start() has read this phone's session: a link tapped before that is drawn after
// it, never as if signed out.
let started;
const ready = new Promise((resolve) => {
  started = resolve;
});

let renders = 0;
async function render() {
  const turn = ++renders;
  await ready;
  for (const fn of leaveHooks) fn();
  leaveHooks = [];
  syncHooks = [];
  const main = document.getElementById('main');
  let view;
  try {
    view = await build(location.pathname);
  } catch (err) {
    view = h('p', { class: 'error', role: 'alert' }, t('app.went_wrong', { reason: messageOf(err) }));
  }
  // A screen still being drawn when the person moved on (a quick tap, a save's redraw, a
  // language switch) must not replace the newer one when it is done.
  if (turn !== renders) return;
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
const NETWORK_WORDS = { offline: () => t('status.offline'), unreachable: () => t('status.unreachable'), online: () => t('status.online') };

// The last sync failure in the app's language.
function syncReason() {
  const r = syncState.reason || { kind: 'failed' };
  if (r.kind === 'no_answer') return t('sync.no_answer');
  if (r.kind === 'status') return t('sync.status', { status: String(r.status) });
  if (r.kind === 'web_page') return t('sync.web_page');
  if (r.kind === 'cut_off') return t('sync.cut_off');
  if (r.kind === 'signed_out') return t('sync.signed_out');
  if (r.kind === 'refused') return describe(r);
  return r.status ? t('sync.failed_status', { status: String(r.status) }) : t('sync.failed');
}

let speaking = false; // the catalogue is loaded: before that, the status bar says "Starting…"
async function updateStatus() {
  if (!speaking) return;
  const el = document.getElementById('status');
  const booth = await boothStatusParts(); // a booth staff phone's leads count as well
  const pending = (await allOutbox()).length + booth.pending;
  const problems = (await allProblems()).length;
  const last = [await getMeta('last_sync'), booth.last].filter(Boolean).sort().pop();
  const net = network();
  const parts = [NETWORK_WORDS[net]()];
  if (syncState.syncing || booth.syncing) parts.push(t('status.syncing'));
  parts.push(...booth.words);
  parts.push(pending ? t('status.pending', { count: pending }) : t('status.all_synced'));
  if (last) parts.push(t('status.last_sync', { time: fmtTime(last) }));
  if (syncState.signedOut) parts.push(t('status.signed_out'));
  else if (syncState.error && navigator.onLine) parts.push(t('status.retrying', { reason: syncReason() }));
  if (problems) parts.push(t('status.problems', { count: problems }));
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
    .catch((err) => toast(t('app.no_offline', { reason: err.message })));
  navigator.serviceWorker.ready.then((reg) => {
    if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage('claim');
  });
}

// Signed in, online, the worker in charge: it keeps the photo cropper (not precached) offline.
function keepCropper() {
  if (!ctx.session || !navigator.serviceWorker?.controller) return;
  keep('/js/photo.js');
}

// A file the worker keeps when first fetched through it (its cache holds it from then on).
function keep(url) {
  if (!navigator.serviceWorker?.controller) return;
  caches.match(url).then((kept) => kept || fetch(url).catch(() => {}));
}

// The page's own words (index.html: data-i18n, data-i18n-aria-label, data-i18n-content).
function translateShell() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of document.querySelectorAll('[data-i18n-content]')) el.setAttribute('content', t(el.dataset.i18nContent));
  // The install prompt names the app in this language too (the server words the manifest).
  const tag = i18n.language();
  const manifest = document.querySelector('link[rel=manifest]');
  const href = tag === 'en' ? '/manifest.webmanifest' : `/manifest.webmanifest?lang=${encodeURIComponent(tag)}`;
  if (manifest && manifest.getAttribute('href') !== href) manifest.setAttribute('href', href);
}

// Another language: the catalogue (cached: no request), then the page redrawn in place.
ctx.switchLanguage = async (tag) => {
  await i18n.use(tag);
  i18n.remember(tag);
  keep(`/i18n/${tag}.json`);
  translateShell();
  await render();
};

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

// A session fresh from the server: its event's time zone, and the account's language where this
// device made no choice of its own (another device of the attendee chose it).
async function adoptAccount(fresh) {
  ctx.session = fresh;
  i18n.setTimeZone(fresh.event?.time_zone);
  const mine = i18n.chosen(); // chosen here while offline: the account hears of it now
  if (mine && fresh.settings && fresh.settings.language !== mine) me.saveLanguage(ctx, mine);
  const wanted = i18n.preferred(fresh.settings?.language);
  if (wanted !== i18n.language() && !i18n.chosen()) {
    try {
      await i18n.use(wanted);
      translateShell();
      keep(`/i18n/${wanted}.json`);
      if (document.documentElement.dataset.ready) await render();
    } catch {
      /* offline meanwhile: the next start */
    }
  }
}

async function start() {
  registerWorker();
  watchInstallPrompt(); // before any await: the browser's install prompt may come at once
  askPersistence();
  interceptLinks();
  ctx.session = await session.current();
  if (!ctx.session && navigator.onLine) {
    const fresh = await session.refresh();
    if (fresh) ctx.session = fresh;
  } else if (navigator.onLine) {
    session.refresh().then((fresh) => {
      if (fresh) adoptAccount(fresh);
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
  i18n.setTimeZone(ctx.session?.event?.time_zone);
  await i18n.start(ctx.session?.settings?.language);
  speaking = true;
  translateShell();
  // The catalogue in use stays on the phone (the worker keeps what it fetches) for offline starts.
  navigator.serviceWorker?.ready.then(() => keep(`/i18n/${i18n.language()}.json`));
  navigator.serviceWorker?.addEventListener('controllerchange', () => keep(`/i18n/${i18n.language()}.json`));
  await render();
  document.documentElement.dataset.ready = 'true';
}

start();
