// Settings, "Keep my contacts in my phone's address book": app passwords for the phone's own
// Contacts (CardDAV: iPhone, Mac, Android with DAVx5, Thunderbird). A new password is shown once,
// right after it is made, with the set-up for each kind of device (this device's first); the
// list below names the others, each revocable at once. Everything here needs the server.
import { field, h, qrCanvas, toast } from './dom.js';
import { api } from './api.js';
import { messageOf } from './errors.js';
import { fmtTime, t } from './i18n.js';
import { currentFamily } from './platform.js';

const android = () => /\bAndroid\b/.test(navigator.userAgent || '');

function defaultLabel() {
  const family = currentFamily();
  if (family === 'ios') return 'iPhone';
  if (family === 'safari') return 'Mac';
  return android() ? t('addressbook.default_android') : t('addressbook.default_computer');
}

// A value to copy: shown in a read-only box (select it by hand where the clipboard is refused).
// `words`: the field's label, the copy button's name and what the toast says once copied.
function copyable(words, value, name) {
  const input = h('input', { readonly: true, value, name, spellcheck: 'false', autocapitalize: 'off', dir: 'ltr' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': words.copy,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          toast(words.copied);
        } catch {
          input.select();
          toast(t('addressbook.copy_refused'));
        }
      },
    },
    t('addressbook.copy'),
  );
  return h('div', { class: 'copy-row' }, field(words.label, input), button);
}

async function setupFor(made, onDone) {
  const apple = h(
    'div',
    { class: 'setup', 'data-setup': 'apple' },
    h('h4', {}, t('addressbook.apple_title')),
    h('p', { class: 'small' }, t('addressbook.apple_text', { minutes: 10 })),
    h('a', { class: 'button', href: made.mobileconfig_url, target: '_blank', rel: 'noopener' }, t('addressbook.apple_install')),
  );
  const davx5 = h(
    'div',
    { class: 'setup', 'data-setup': 'android' },
    h('h4', {}, t('addressbook.android_title')),
    h('p', { class: 'small' }, t('addressbook.android_text')),
    h('a', { class: 'button', href: made.davx5_url }, t('addressbook.android_open')),
    h('div', { class: 'qr-box' }, await qrCanvas(made.davx5_url, t('addressbook.android_qr'))),
  );
  const manual = h(
    'div',
    { class: 'setup', 'data-setup': 'other' },
    h('h4', {}, t('addressbook.other_title')),
    h('p', { class: 'small' }, t('addressbook.other_text')),
    copyable(
      { label: t('addressbook.server'), copy: t('addressbook.copy_server'), copied: t('addressbook.copied_server') },
      made.carddav_url,
      'carddav-url',
    ),
    copyable(
      { label: t('addressbook.username'), copy: t('addressbook.copy_username'), copied: t('addressbook.copied_username') },
      made.username,
      'username',
    ),
    copyable(
      { label: t('addressbook.password'), copy: t('addressbook.copy_password'), copied: t('addressbook.copied_password') },
      made.password,
      'password',
    ),
  );
  const family = currentFamily();
  const order =
    family === 'ios' || family === 'safari' ? [apple, davx5, manual] : android() ? [davx5, apple, manual] : [manual, apple, davx5];
  return h(
    'div',
    { class: 'new-password', role: 'region', 'aria-label': t('addressbook.new_region') },
    h('h3', {}, t('addressbook.new_title', { label: made.label })),
    h('p', { class: 'warning' }, t('addressbook.shown_once')),
    order,
    h('p', {}, h('button', { type: 'button', onclick: onDone }, t('addressbook.done'))),
  );
}

function listItem(item, onRevoke) {
  const made = fmtTime(item.created_at);
  const used = item.last_used_at
    ? t('addressbook.made_used', { made, used: fmtTime(item.last_used_at) })
    : t('addressbook.made_unused', { made });
  return h(
    'li',
    { 'data-id': item.id },
    h('bdi', { class: 'label' }, item.label),
    h('span', { class: 'small' }, ` ${used}`),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': t('addressbook.revoke_label', { label: item.label }),
        onclick: async () => {
          if (!window.confirm(t('addressbook.revoke_confirm', { label: item.label }))) return;
          try {
            await api('DELETE', `/api/me/app-passwords/${encodeURIComponent(item.id)}`);
            toast(t('addressbook.revoked', { label: item.label }));
            await onRevoke();
          } catch (err) {
            toast(t('addressbook.not_revoked', { reason: messageOf(err) }));
          }
        },
      },
      t('addressbook.revoke'),
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
      empty.textContent = out.app_passwords.length ? '' : t('addressbook.none');
    } catch (err) {
      empty.textContent = navigator.onLine ? t('addressbook.list_failed', { reason: messageOf(err) }) : t('addressbook.offline');
    }
  };
  const label = h('input', { name: 'label', maxlength: 60, required: true, autocomplete: 'off', value: defaultLabel() });
  const button = h('button', { type: 'submit' }, t('addressbook.create'));
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
          toast(t('addressbook.not_made', { reason: messageOf(err) }));
        } finally {
          button.disabled = false;
        }
      },
    },
    field(t('addressbook.label'), label),
    button,
  );
  refresh();
  return h(
    'section',
    { class: 'addressbook', 'aria-labelledby': 'addressbook-title' },
    h('h2', { id: 'addressbook-title' }, t('addressbook.title')),
    h('p', {}, t('addressbook.intro')),
    form,
    fresh,
    h('h3', {}, t('addressbook.connected')),
    empty,
    list,
  );
}
