// Screens about me: welcome, join, my card (QR, edit, NFC write), settings, problems.
import { field, fmtTime, h, qrCanvas, toast } from '../dom.js';
import { api } from '../api.js';
import { allProblems, getMeta } from '../db.js';
import { addressBookSection } from '../addressbook.js';
import { installSlot } from '../install.js';
import { parseVcard } from '../parse.js';
import * as session from '../session.js';
import { state as syncState } from '../sync.js';

function decodeOffline(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

const lines = (text) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

function cardForm(card, submitLabel, onSubmit) {
  const c = card || {};
  const inputs = {
    fn: h('input', { name: 'fn', required: true, maxlength: 200, autocomplete: 'name', value: c.fn || '' }),
    org: h('input', { name: 'org', maxlength: 200, autocomplete: 'organization', value: c.org || '' }),
    title: h('input', { name: 'title', maxlength: 200, autocomplete: 'organization-title', value: c.title || '' }),
    emails: h('textarea', { name: 'emails', rows: 2, autocomplete: 'email' }),
    phones: h('textarea', { name: 'phones', rows: 2, autocomplete: 'tel' }),
    urls: h('textarea', { name: 'urls', rows: 2 }),
    note: h('textarea', { name: 'note', rows: 3, maxlength: 500 }),
  };
  inputs.emails.value = (c.emails || []).join('\n');
  inputs.phones.value = (c.phones || []).join('\n');
  inputs.urls.value = (c.urls || []).join('\n');
  inputs.note.value = c.note || '';
  const fill = (x) => {
    for (const k of ['fn', 'org', 'title', 'note']) inputs[k].value = x[k] || '';
    for (const k of ['emails', 'phones', 'urls']) inputs[k].value = (x[k] || []).join('\n');
  };
  // The server reads the file's own charset (Shift_JIS, Latin-1, quoted-printable...), so it gets
  // the raw bytes; only when it cannot be reached does the app's small reader guess (UTF-8, else
  // Windows-1252).
  const file = h('input', {
    type: 'file',
    accept: '.vcf,text/vcard,text/x-vcard',
    onchange: async () => {
      const f = file.files[0];
      if (!f) return;
      const bytes = await f.arrayBuffer();
      let response;
      try {
        response = await fetch('/api/cards/from-vcard', {
          method: 'POST',
          credentials: 'same-origin',
          body: bytes,
          headers: { 'Content-Type': 'text/vcard', Accept: 'application/json' },
        });
      } catch {
        response = null; // offline: the app's own small reader
      }
      if (!response || response.status >= 500) {
        fill(parseVcard(decodeOffline(bytes)));
        toast('Card filled in from the contact file (read on this phone): check it, then save.');
        return;
      }
      const out = await response.json().catch(() => ({}));
      if (!response.ok) {
        toast(`Could not read the contact file: ${out.error ? out.error.message : response.status}`);
        return;
      }
      fill(out.card);
      toast(['Card filled in from the contact file: check it, then save.', ...(out.warnings || [])].join(' '));
    },
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h(
    'form',
    {
      class: 'card-form',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        const out = {
          fn: inputs.fn.value.trim(),
          org: inputs.org.value.trim(),
          title: inputs.title.value.trim(),
          emails: lines(inputs.emails.value),
          phones: lines(inputs.phones.value),
          urls: lines(inputs.urls.value),
          note: inputs.note.value.trim(),
        };
        button.disabled = true;
        try {
          await onSubmit(out);
        } catch (err) {
          error.textContent = err.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    field('Name', inputs.fn),
    field('Organisation', inputs.org),
    field('Job title', inputs.title),
    field('Emails', inputs.emails, 'One per line.'),
    field('Phones', inputs.phones, 'One per line.'),
    field('Links', inputs.urls, 'One per line, starting with https://'),
    field('A short note', inputs.note),
    field('Or create my card from a contact file (.vcf)', file),
    error,
    button,
  );
  return form;
}

export async function home(ctx) {
  if (ctx.session) return ctx.go('/card', true);
  return h(
    'section',
    {},
    h('h1', {}, 'Swap cards at events'),
    h('p', {}, 'Open the join link from your event (or scan its poster QR) to make your card.'),
    h('p', {}, 'Already joined on another phone? Use "Sign in another device" there and scan its code.'),
  );
}

export async function join(ctx, slug) {
  const code = new URLSearchParams(location.search).get('code') || '';
  if (ctx.session && !syncState.signedOut) {
    return h(
      'section',
      {},
      h('h1', {}, 'You have joined'),
      h('p', {}, 'This phone already holds your card.'),
      h('p', {}, h('a', { href: '/card', class: 'button' }, 'Show my card')),
    );
  }
  const title = h('h1', {}, 'Join the event');
  api('GET', `/api/events/${encodeURIComponent(slug)}`).then(
    (ev) => {
      title.textContent = `Join ${ev.name}`;
    },
    () => {},
  );
  const codeInput = h('input', { name: 'join_code', required: true, value: code, autocomplete: 'off', autocapitalize: 'characters' });
  const form = cardForm(null, 'Join and make my card', async (card) => {
    ctx.session = await session.register(slug, codeInput.value.trim(), card);
    toast('Welcome! Your card is ready.');
    await ctx.reload('/card');
  });
  form.prepend(field('Event code', codeInput));
  return h('section', {}, title, form);
}

export async function card(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const s = ctx.session;
  const svg = await getMeta('qr_svg');
  const qr = svg
    ? h('img', {
        class: 'qr',
        alt: `QR code of ${s.attendee.card.fn}'s card`,
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
      })
    : h('p', {}, 'Your QR code appears once this phone has been online.');
  const edit = h(
    'section',
    { hidden: true },
    h('h2', {}, 'Edit my card'),
    cardForm(s.attendee.card, 'Save my card', async (c) => {
      ctx.session = await session.saveCard(c);
      toast('Card saved.');
      await ctx.reload('/card');
    }),
  );
  const view = h(
    'section',
    { class: 'my-card' },
    h('h1', {}, s.attendee.card.fn),
    h('p', { class: 'role' }, [s.attendee.card.title, s.attendee.card.org].filter(Boolean).join(' · ')),
    h('div', { class: 'qr-box' }, qr),
    h('p', { class: 'small' }, 'Let them scan this. Their phone camera opens your card; with the app, it is a swap.'),
    h('p', { class: 'small wrap' }, h('a', { href: s.card_url, class: 'card-url' }, s.card_url)),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            edit.hidden = !edit.hidden;
          },
        },
        'Edit my card',
      ),
      navigator.share
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                navigator.share({ title: s.attendee.card.fn, url: s.card_url }).catch(() => {});
              },
            },
            'Share my card link',
          )
        : null,
      'NDEFReader' in window
        ? h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                try {
                  await new window.NDEFReader().write({ records: [{ recordType: 'url', data: s.card_url }] });
                  toast('Your card is on the tag.');
                } catch (err) {
                  toast(`Could not write the tag: ${err.message}`);
                }
              },
            },
            'Write my card to an NFC tag',
          )
        : null,
    ),
    installSlot(ctx),
  );
  return h('div', {}, view, edit);
}

export async function settings(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const share = h('input', {
    type: 'checkbox',
    id: 'share-back',
    checked: ctx.session.settings.share_back !== false,
    onchange: async () => {
      try {
        ctx.session = await session.saveSettings({ share_back: share.checked });
        toast('Saved.');
      } catch (err) {
        share.checked = !share.checked;
        toast(`Not saved: ${err.message}`);
      }
    },
  });
  const signinBox = h('div', { class: 'signin-box', 'aria-live': 'polite' });
  return h(
    'section',
    {},
    h('h1', {}, 'Settings'),
    h('div', { class: 'check' }, share, h('label', { for: 'share-back' }, 'Share my card back automatically when someone scans me')),
    h('h2', {}, 'Sign in another device'),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            const out = await api('POST', '/api/me/devices');
            signinBox.replaceChildren(
              await qrCanvas(out.sign_in_url, 'Sign-in QR code for another device'),
              h('p', {}, 'Scan this with the other phone\u2019s camera within 10 minutes, or open: '),
              h('p', {}, h('a', { href: out.sign_in_url, class: 'wrap' }, out.sign_in_url)),
            );
          } catch (err) {
            toast(`No sign-in code: ${err.message}`);
          }
        },
      },
      'Show a sign-in code',
    ),
    signinBox,
    addressBookSection(),
    h('h2', {}, 'Export'),
    h(
      'p',
      { class: 'row' },
      h('a', { class: 'button', href: '/api/contacts.vcf', download: 'contacts.vcf' }, 'All contacts (.vcf)'),
      h('a', { class: 'button', href: '/api/contacts.csv', download: 'contacts.csv' }, 'All contacts (CSV)'),
    ),
    h('h2', {}, 'Delete my data'),
    h('p', {}, 'Removes your card and your contacts from the server and from this phone.'),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!window.confirm('Delete your card and all your contacts?')) return;
          try {
            await session.deleteEverything();
            ctx.session = null;
            toast('Your data is deleted.');
            await ctx.reload('/');
          } catch (err) {
            toast(`Not deleted: ${err.message}`);
          }
        },
      },
      'Delete my data',
    ),
  );
}

export async function problems() {
  const list = await allProblems();
  return h(
    'section',
    {},
    h('h1', {}, 'Sync problems'),
    list.length
      ? h(
          'ul',
          { class: 'problems' },
          list.map((p) => h('li', {}, h('strong', {}, p.type || 'change'), ` — ${p.message} (${p.code}) `, h('small', {}, fmtTime(p.at)))),
        )
      : h('p', {}, 'No problems: everything the server received was accepted.'),
  );
}
