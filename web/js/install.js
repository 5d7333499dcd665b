// Keeping the app on this phone: Chromium's install prompt behind our own button, Home Screen
// steps where the browser has no prompt (iPhone, iPad, Safari, Firefox on Android), and a word
// on what the browser may erase until the app is installed. Shown on My card only.
import { h } from './dom.js';
import { currentFamily, isInstalled, storagePersisted } from './platform.js';

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

const ERASED_AFTER_7_DAYS =
  'Until then, the browser may erase your card and the contacts kept on ' +
  'this device after 7 days without opening cardswap. Contacts that have synced stay safe on the ' +
  'server.';
const CLEARED_WHEN_FULL =
  'Until then, this browser may clear your card and the contacts kept on ' +
  'this phone when it runs low on space. Contacts that have synced stay safe on the server.';

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
      'Add cardswap to your Home Screen',
      h(
        'ol',
        { class: 'steps' },
        h('li', {}, 'Tap the Share button (a square with an arrow pointing up).'),
        h('li', {}, 'Choose \u201cAdd to Home Screen\u201d, then \u201cAdd\u201d.'),
        h('li', {}, 'Open cardswap from its icon on the Home Screen.'),
      ),
      h('p', { class: 'small' }, ERASED_AFTER_7_DAYS),
    );
  }
  if (family === 'safari') {
    return box(
      'safari',
      'Add cardswap to the Dock',
      h('p', {}, 'In Safari\u2019s menu bar choose File, then \u201cAdd to Dock\u201d.'),
      h('p', { class: 'small' }, ERASED_AFTER_7_DAYS),
    );
  }
  const persisted = await storagePersisted();
  if (family === 'firefox-android') {
    if (persisted) return null;
    return box(
      'firefox',
      'Add cardswap to your Home screen',
      h('p', {}, 'Open Firefox\u2019s menu (\u22ee), then choose \u201cInstall\u201d or \u201cAdd to Home screen\u201d.'),
      h('p', { class: 'small' }, CLEARED_WHEN_FULL),
    );
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
    'Install the app',
  );
  return box(
    'prompt',
    'Install cardswap',
    h('p', {}, 'It then opens from your home screen like any app, with or without a network.'),
    persisted ? null : h('p', { class: 'small' }, CLEARED_WHEN_FULL),
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
