// Settings, "Keep my contacts in my phone's address book": app passwords for the phone's own
// Contacts (CardDAV: iPhone, Mac, Android with DAVx5, Thunderbird). A new password is shown once,
// right after it is made, with the set-up for each kind of device (this device's first); the
// list below names the others, each revocable at once. Everything here needs the server.
import { field, fmtTime, h, qrCanvas, toast } from './dom.js';
import { api } from './api.js';
import { currentFamily } from './platform.js';

const android = () => /\bAndroid\b/.test(navigator.userAgent || '');

function defaultLabel() {
  const family = currentFamily();
  if (family === 'ios') return 'iPhone';
  if (family === 'safari') return 'Mac';
  return android() ? 'Android phone' : 'Computer';
}

// A value to copy: shown in a read-only box (select it by hand where the clipboard is refused).
function copyable(label, value, name) {
  const input = h('input', { readonly: true, value, name, spellcheck: 'false', autocapitalize: 'off' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': `Copy the ${label.toLowerCase()}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          toast(`${label} copied.`);
        } catch {
          input.select();
          toast('Copy it from the box (the browser did not allow copying).');
        }
      },
    },
    'Copy',
  );
  return h('div', { class: 'copy-row' }, field(label, input), button);
}

async function setupFor(made, onDone) {
  const apple = h(
    'div',
    { class: 'setup', 'data-setup': 'apple' },
    h('h4', {}, 'iPhone, iPad or Mac'),
    h('p', { class: 'small' }, 'Opens Settings with the account filled in: tap Install. The link works once, for 10 minutes.'),
    h('a', { class: 'button', href: made.mobileconfig_url, target: '_blank', rel: 'noopener' }, 'Install on this iPhone or Mac'),
  );
  const davx5 = h(
    'div',
    { class: 'setup', 'data-setup': 'android' },
    h('h4', {}, 'Android'),
    h('p', { class: 'small' }, 'Install DAVx\u2075 (F-Droid or Google Play), then open this link on the phone, or scan the code with it.'),
    h('a', { class: 'button', href: made.davx5_url }, 'Open in DAVx\u2075'),
    h('div', { class: 'qr-box' }, await qrCanvas(made.davx5_url, 'DAVx5 set-up code')),
  );
  const manual = h(
    'div',
    { class: 'setup', 'data-setup': 'other' },
    h('h4', {}, 'Thunderbird or another app'),
    h('p', { class: 'small' }, 'Add a CardDAV address book with these three.'),
    copyable('Server address', made.carddav_url, 'carddav-url'),
    copyable('User name', made.username, 'username'),
    copyable('Password', made.password, 'password'),
  );
  const family = currentFamily();
  const order =
    family === 'ios' || family === 'safari' ? [apple, davx5, manual] : android() ? [davx5, apple, manual] : [manual, apple, davx5];
  return h(
    'div',
    { class: 'new-password', role: 'region', 'aria-label': 'Your new app password' },
    h('h3', {}, `Password for \u201c${made.label}\u201d`),
    h('p', { class: 'warning' }, 'It is shown only now. Set up the phone, then tap Done.'),
    order,
    h('p', {}, h('button', { type: 'button', onclick: onDone }, 'Done')),
  );
}

function listItem(item, onRevoke) {
  const used = item.last_used_at ? `last used ${fmtTime(item.last_used_at)}` : 'not used yet';
  return h(
    'li',
    { 'data-id': item.id },
    h('span', { class: 'label' }, item.label),
    h('span', { class: 'small' }, ` made ${fmtTime(item.created_at)}, ${used}`),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': `Revoke the password for ${item.label}`,
        onclick: async () => {
          if (!window.confirm(`Revoke the password for \u201c${item.label}\u201d? That phone stops updating its contacts.`)) return;
          try {
            await api('DELETE', `/api/me/app-passwords/${encodeURIComponent(item.id)}`);
            toast(`Revoked: ${item.label}.`);
            await onRevoke();
          } catch (err) {
            toast(`Not revoked: ${err.message}`);
          }
        },
      },
      'Revoke',
    ),
  );
}

export function addressBookSection() {
  const list = h('ul', { class: 'app-passwords' });
  const fresh = h('div', { 'aria-live': 'polite' });
  const empty = h('p', { class: 'small' });
  const refresh = async () => {
    try {
      const out = await api('GET', '/api/me/app-passwords');
      list.replaceChildren(...out.app_passwords.map((item) => listItem(item, refresh)));
      empty.textContent = out.app_passwords.length ? '' : 'No phone or app is connected yet.';
    } catch (err) {
      empty.textContent = navigator.onLine ? `Could not load the list: ${err.message}` : 'Connect to the internet to see them.';
    }
  };
  const label = h('input', { name: 'label', maxlength: 60, required: true, autocomplete: 'off', value: defaultLabel() });
  const button = h('button', { type: 'submit' }, 'Create a password');
  const form = h(
    'form',
    {
      class: 'app-password-form',
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        try {
          const made = await api('POST', '/api/me/app-passwords', { label: label.value.trim() });
          fresh.replaceChildren(
            await setupFor(made, () => {
              fresh.replaceChildren();
            }),
          );
          await refresh();
        } catch (err) {
          toast(`No password made: ${err.message}`);
        } finally {
          button.disabled = false;
        }
      },
    },
    field('Name this phone or app', label),
    button,
  );
  refresh();
  return h(
    'section',
    { class: 'addressbook', 'aria-labelledby': 'addressbook-title' },
    h('h2', { id: 'addressbook-title' }, 'Keep my contacts in my phone\u2019s address book'),
    h(
      'p',
      {},
      'Your contacts appear in the phone\u2019s own Contacts app and stay up to date there: new swaps, your notes and changed cards arrive by themselves. Read only: edit them here.',
    ),
    form,
    fresh,
    h('h3', {}, 'Connected phones and apps'),
    empty,
    list,
  );
}
