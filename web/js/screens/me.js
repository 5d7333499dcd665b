// Screens about me: welcome, join, my card (QR, edit, NFC write), settings, problems.
import { field, fmtTime, h, qrCanvas, toast } from '../dom.js';
import { api } from '../api.js';
import { allProblems, getMeta, setMeta } from '../db.js';
import { addressBookSection } from '../addressbook.js';
import { installSlot } from '../install.js';
import { parseVcard } from '../parse.js';
import * as session from '../session.js';
import { requestSync, state as syncState } from '../sync.js';
import { uuid7 } from '../uuid7.js';
import { avatar, NETWORKS, profileLines } from '../widgets.js';

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

// A photo taken or chosen and cropped (js/photo.js), or removed: get() is undefined, null or
// {type, bytes, url}.
function photoField(name, src) {
  let photo;
  const face = h('div', {});
  const crop = h('div', {});
  const remove = h('button', { type: 'button', class: 'secondary', hidden: !src, onclick: () => set(null, null) }, 'Remove photo');
  const set = (value, url) => {
    photo = value && { ...value, url };
    face.replaceChildren(avatar({ fn: name() }, true, url));
    remove.hidden = !url;
  };
  const pick = (label, capture) => {
    const input = h('input', { type: 'file', accept: 'image/*', capture, class: 'sr' });
    input.onchange = async () => {
      const [file] = input.files;
      input.value = '';
      try {
        const { cropPhoto, toDataUrl } = await import('../photo.js');
        const blob = file && (await cropPhoto(file, crop));
        if (blob) set({ type: blob.type, bytes: await blob.arrayBuffer() }, await toDataUrl(blob));
      } catch (err) {
        toast(`That picture cannot be used: ${err.message}`);
      }
    };
    return h('label', { class: 'button secondary' }, label, input);
  };
  set(undefined, src);
  const row = h('div', { class: 'row' }, face, pick('Take a photo', 'user'), pick('Choose a photo'), remove);
  return { el: h('div', { class: 'field' }, h('span', {}, 'Photo'), row, crop), set, get: () => photo };
}

// A social profile's row: network, link, remove.
function socialRow(s) {
  const network = h(
    'select',
    { 'aria-label': 'Network' },
    Object.entries(NETWORKS).map(([k, v]) => h('option', { value: k }, v)),
  );
  network.value = s.network;
  const url = h('input', { type: 'url', value: s.url, placeholder: 'https://…', 'aria-label': 'Profile link' });
  const row = h('div', { class: 'row social' }, network, url);
  row.append(h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove this profile', onclick: () => row.remove() }, '✕'));
  row.value = () => ({ network: network.value, url: url.value.trim() });
  return row;
}

function cardForm(card, submitLabel, onSubmit, photoSrc = null) {
  const c = card || {};
  const inputs = {
    fn: h('input', { name: 'fn', required: true, maxlength: 200, autocomplete: 'name', value: c.fn || '' }),
    pronouns: h('input', { name: 'pronouns', maxlength: 40, value: c.pronouns || '' }),
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
  const socials = h('div', {}, (c.socials || []).map(socialRow));
  const more = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => socials.append(socialRow({ network: 'linkedin', url: '' })) },
    'Add a profile',
  );
  const photo = photoField(() => inputs.fn.value, photoSrc);
  const fill = (x) => {
    for (const k of ['fn', 'org', 'title', 'note', 'pronouns']) inputs[k].value = x[k] || '';
    for (const k of ['emails', 'phones', 'urls']) inputs[k].value = (x[k] || []).join('\n');
    socials.replaceChildren(...(x.socials || []).map(socialRow));
  };
  // The server reads the file's own charset (Shift_JIS, Latin-1, quoted-printable...), so it gets
  // the raw bytes; only when it cannot be reached does the app's small reader guess (UTF-8, else
  // Windows-1252).
  const file = h('input', {
    type: 'file',
    name: 'vcard',
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
      const jpeg = out.photo && Uint8Array.from(atob(out.photo.split(',')[1]), (ch) => ch.charCodeAt(0));
      if (jpeg) photo.set({ type: 'image/jpeg', bytes: jpeg.buffer }, out.photo);
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
          pronouns: inputs.pronouns.value.trim(),
          socials: [...socials.children].map((row) => row.value()).filter((x) => x.url),
        };
        button.disabled = true;
        try {
          await onSubmit(out, photo.get());
        } catch (err) {
          error.textContent = err.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    photo.el,
    field('Name', inputs.fn),
    field('Pronouns', inputs.pronouns, 'Optional, e.g. she/her'),
    field('Organisation', inputs.org),
    field('Job title', inputs.title),
    field('Emails', inputs.emails, 'One per line.'),
    field('Phones', inputs.phones, 'One per line.'),
    field('Links', inputs.urls, 'One per line, starting with https://'),
    h('div', { class: 'field' }, h('span', {}, 'Social profiles'), socials, h('p', {}, more)),
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
  const form = cardForm(null, 'Join and make my card', async (card, photo) => {
    ctx.session = await session.register(slug, codeInput.value.trim(), card);
    if (photo) await keepPhoto(photo);
    toast('Welcome! Your card is ready.');
    await ctx.reload('/card');
  });
  form.prepend(field('Event code', codeInput));
  return h('section', {}, title, form);
}

// The card's new photo (or its removal), kept on this phone until sync sends it.
async function keepPhoto(photo) {
  await setMeta('pending_photo', { id: uuid7(), ...(photo || { remove: true }) });
  requestSync();
}

// Whether the form changed a field the server holds (a new photo alone needs no PUT: offline).
const changed = (out, card) =>
  Object.keys(out).some((k) => JSON.stringify(out[k]) !== JSON.stringify(card[k] ?? (Array.isArray(out[k]) ? [] : '')));

export async function card(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const s = ctx.session;
  const mine = s.attendee.card;
  const pending = await getMeta('pending_photo');
  const photoSrc = pending ? pending.url || '' : mine.photo && mine.photo.large;
  ctx.onSync(async () => {
    const fresh = await session.current();
    const now = await getMeta('pending_photo');
    // A new card URL or photo: redrawn, unless the person moved on or is editing.
    if (location.pathname === '/card' && fresh && edit.hidden && (fresh.card_url !== s.card_url || !now !== !pending)) {
      ctx.session = fresh;
      await ctx.reload('/card');
    }
  });
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
    cardForm(
      s.attendee.card,
      'Save my card',
      async (c, photo) => {
        if (photo !== undefined) await keepPhoto(photo);
        if (changed(c, s.attendee.card)) ctx.session = await session.saveCard(c);
        toast(photo === undefined || navigator.onLine ? 'Card saved.' : 'Saved on this phone: the photo goes at the next sync.');
        await ctx.reload('/card');
      },
      photoSrc,
    ),
  );
  const view = h(
    'section',
    { class: 'my-card' },
    avatar(mine, true, pending ? photoSrc : null),
    h('h1', {}, mine.fn),
    mine.pronouns ? h('p', { class: 'small' }, mine.pronouns) : null,
    h('p', { class: 'role' }, [mine.title, mine.org].filter(Boolean).join(' · ')),
    pending ? h('p', { class: 'small pending-photo' }, 'New photo saved on this phone, not yet synced') : null,
    (mine.socials || []).length ? h('ul', { class: 'card-lines' }, profileLines(mine)) : null,
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
