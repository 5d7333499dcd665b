// Keeping the app on this phone: Chromium's install prompt behind our own button, Home Screen
// steps where the browser has no prompt (iPhone, iPad, Safari, Firefox on Android), and a word
// on what the browser may erase until the app is installed. Shown on My card only.
import { h } from './dom.js';
import { currentFamily, isInstalled, storagePersisted } from './platform.js';
import { t } from './i18n.js';

let deferredPrompt = null;
const watchers = new Set();
const changed = () => {
  for (const fn of watchers) fn();
};

// Called once at start, before any screen: the prompt may come before My card is drawn.
export function watchInstallPrompt() {
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault(); // our button on My card replaces the browser's own banner
    deferredPrompt = event;
    changed();
  });
  window.addEventListener('appinstalled', () => {
    deferredPrompt = null;
    changed();
  });
}

const erasedAfter7Days = () => t('install.erased_after_days', { days: 7 });
const clearedWhenFull = () => t('install.cleared_when_full');

function box(kind, title, ...body) {
  const id = `install-${kind}`;
  return h('section', { class: `install ${kind}`, 'aria-labelledby': id }, h('h2', { id }, title), ...body);
}

async function content() {
  if (isInstalled()) return null;
  const family = currentFamily();
  if (family === 'ios') {
    return box(
      'ios',
      t('install.ios_title'),
      h(
        'ol',
        { class: 'steps' },
        h('li', {}, t('install.ios_step_share')),
        h('li', {}, t('install.ios_step_add')),
        h('li', {}, t('install.ios_step_open')),
      ),
      h('p', { class: 'small' }, erasedAfter7Days()),
    );
  }
  if (family === 'safari') {
    return box('safari', t('install.safari_title'), h('p', {}, t('install.safari_step')), h('p', { class: 'small' }, erasedAfter7Days()));
  }
  const persisted = await storagePersisted();
  if (family === 'firefox-android') {
    if (persisted) return null;
    return box('firefox', t('install.firefox_title'), h('p', {}, t('install.firefox_step')), h('p', { class: 'small' }, clearedWhenFull()));
  }
  if (!deferredPrompt) return null; // nothing the person could do here: no notice
  const offer = deferredPrompt;
  const button = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        deferredPrompt = null; // a prompt can be shown once
        changed();
        try {
          await offer.prompt();
        } catch {
          /* the browser refused: the menu still offers it */
        }
      },
    },
    t('install.button'),
  );
  return box(
    'prompt',
    t('install.prompt_title'),
    h('p', {}, t('install.prompt_text')),
    persisted ? null : h('p', { class: 'small' }, clearedWhenFull()),
    button,
  );
}

// A slot on the page that shows what applies here, and follows the prompt as it comes and goes.
export function installSlot(ctx) {
  const slot = h('div', { class: 'install-slot' });
  let drawn = 0;
  const fill = async () => {
    const mine = ++drawn;
    const el = await content();
    if (mine !== drawn) return;
    slot.replaceChildren(...(el ? [el] : []));
    slot.dataset.ready = 'true';
  };
  watchers.add(fill);
  ctx.onLeave(() => watchers.delete(fill));
  fill();
  return slot;
}
