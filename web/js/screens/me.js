// Screens about me: welcome, join, my card (QR, edit, NFC write), settings, problems.
import { field, h, qrCanvas, toast } from '../dom.js';
import { api } from '../api.js';
import { describe, messageOf } from '../errors.js';
import * as i18n from '../i18n.js';
import { fmtTime, t } from '../i18n.js';
import { allProblems, getMeta, setMeta } from '../db.js';
import { addressBookSection } from '../addressbook.js';
import { installSlot } from '../install.js';
import { parseVcard } from '../parse.js';
import * as session from '../session.js';
import { requestSync, state as syncState } from '../sync.js';
import { uuid7 } from '../uuid7.js';
import { avatar, networkName, NETWORKS, profileLines } from '../widgets.js';

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
  const remove = h('button', { type: 'button', class: 'secondary', hidden: !src, onclick: () => set(null, null) }, t('photo.remove'));
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
        // Offline before the cropper was kept: no connection; else the browser could not read it.
        toast(t('photo.unusable', { reason: err instanceof TypeError ? messageOf(err) : t('error.not_an_image') }));
      }
    };
    return h('label', { class: 'button secondary' }, label, input);
  };
  set(undefined, src);
  const row = h('div', { class: 'row' }, face, pick(t('photo.take'), 'user'), pick(t('photo.choose')), remove);
  return { el: h('div', { class: 'field' }, h('span', {}, t('photo.label')), row, crop), set, get: () => photo };
}

// A social profile's row: network, link, remove.
function socialRow(s) {
  const network = h(
    'select',
    { 'aria-label': t('socials.network') },
    NETWORKS.map((k) => h('option', { value: k }, networkName(k))),
  );
  network.value = s.network;
  const url = h('input', { type: 'url', value: s.url, placeholder: 'https://…', 'aria-label': t('socials.link'), dir: 'ltr' });
  const row = h('div', { class: 'row social' }, network, url);
  row.append(h('button', { type: 'button', class: 'secondary', 'aria-label': t('socials.remove'), onclick: () => row.remove() }, '✕'));
  row.value = () => ({ network: network.value, url: url.value.trim() });
  return row;
}

// How the name is read (Japanese kana, Chinese pinyin): others' lists sort and find the card by
// it. Open where readers of the language expect it, or when the card has one; a click elsewhere.
function readingGroup(inputs, c) {
  const familyFirst = ['ja', 'zh-Hans'].includes(i18n.language());
  const has = Boolean(c.reading && (c.reading.family || c.reading.given));
  const family = field(t('card.reading_family'), inputs.readingFamily);
  const given = field(t('card.reading_given'), inputs.readingGiven);
  return h(
    'details',
    { class: 'reading', open: familyFirst || has },
    h('summary', {}, t('card.reading')),
    familyFirst ? [family, given] : [given, family],
  );
}

function cardForm(card, submitLabel, onSubmit, photoSrc = null) {
  const c = card || {};
  const inputs = {
    fn: h('input', { name: 'fn', required: true, maxlength: 200, autocomplete: 'name', value: c.fn || '' }),
    pronouns: h('input', { name: 'pronouns', maxlength: 40, value: c.pronouns || '' }),
    org: h('input', { name: 'org', maxlength: 200, autocomplete: 'organization', value: c.org || '' }),
    title: h('input', { name: 'title', maxlength: 200, autocomplete: 'organization-title', value: c.title || '' }),
    emails: h('textarea', { name: 'emails', rows: 2, autocomplete: 'email', dir: 'ltr' }),
    phones: h('textarea', { name: 'phones', rows: 2, autocomplete: 'tel', dir: 'ltr' }),
    urls: h('textarea', { name: 'urls', rows: 2, dir: 'ltr' }),
    note: h('textarea', { name: 'note', rows: 3, maxlength: 500 }),
    readingFamily: h('input', { name: 'reading_family', maxlength: 200, value: (c.reading && c.reading.family) || '' }),
    readingGiven: h('input', { name: 'reading_given', maxlength: 200, value: (c.reading && c.reading.given) || '' }),
  };
  inputs.emails.value = (c.emails || []).join('\n');
  inputs.phones.value = (c.phones || []).join('\n');
  inputs.urls.value = (c.urls || []).join('\n');
  inputs.note.value = c.note || '';
  const socials = h('div', {}, (c.socials || []).map(socialRow));
  const more = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => socials.append(socialRow({ network: 'linkedin', url: '' })) },
    t('socials.add'),
  );
  const photo = photoField(() => inputs.fn.value, photoSrc);
  const fill = (x) => {
    for (const k of ['fn', 'org', 'title', 'note', 'pronouns']) inputs[k].value = x[k] || '';
    for (const k of ['emails', 'phones', 'urls']) inputs[k].value = (x[k] || []).join('\n');
    inputs.readingFamily.value = (x.reading && x.reading.family) || '';
    inputs.readingGiven.value = (x.reading && x.reading.given) || '';
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
        toast(t('card.filled_offline'));
        return;
      }
      const out = await response.json().catch(() => ({}));
      if (!response.ok) {
        toast(t('card.file_unreadable', { reason: out.error ? describe(out.error) : String(response.status) }));
        return;
      }
      fill(out.card);
      const jpeg = out.photo && Uint8Array.from(atob(out.photo.split(',')[1]), (ch) => ch.charCodeAt(0));
      if (jpeg) photo.set({ type: 'image/jpeg', bytes: jpeg.buffer }, out.photo);
      toast([t('card.filled'), ...(out.warnings || [])].join(' '));
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
        const reading = { family: inputs.readingFamily.value.trim(), given: inputs.readingGiven.value.trim() };
        if (reading.family || reading.given || (c.reading && (c.reading.family || c.reading.given))) out.reading = reading;
        button.disabled = true;
        try {
          await onSubmit(out, photo.get());
        } catch (err) {
          error.textContent = messageOf(err);
        } finally {
          button.disabled = false;
        }
      },
    },
    photo.el,
    field(t('card.name'), inputs.fn),
    readingGroup(inputs, c),
    field(t('card.pronouns'), inputs.pronouns, t('card.pronouns_hint')),
    field(t('card.org'), inputs.org),
    field(t('card.title'), inputs.title),
    field(t('card.emails'), inputs.emails, t('card.one_per_line')),
    field(t('card.phones'), inputs.phones, t('card.one_per_line')),
    field(t('card.links'), inputs.urls, t('card.links_hint')),
    h('div', { class: 'field' }, h('span', {}, t('card.socials')), socials, h('p', {}, more)),
    field(t('card.note'), inputs.note),
    field(t('card.from_file'), file),
    error,
    button,
  );
  return form;
}

export async function home(ctx) {
  if (ctx.session) return ctx.go('/card', true);
  return h('section', {}, h('h1', {}, t('home.title')), h('p', {}, t('home.open_link')), h('p', {}, t('home.other_phone')));
}

export async function join(ctx, slug) {
  const code = new URLSearchParams(location.search).get('code') || '';
  if (ctx.session && !syncState.signedOut) {
    return h(
      'section',
      {},
      h('h1', {}, t('join.joined')),
      h('p', {}, t('join.holds_card')),
      h('p', {}, h('a', { href: '/card', class: 'button' }, t('join.show_card'))),
    );
  }
  const title = h('h1', {}, t('join.title'));
  api('GET', `/api/events/${encodeURIComponent(slug)}`).then(
    (ev) => {
      title.textContent = t('join.title_named', { event: ev.name });
    },
    () => {},
  );
  const codeInput = h('input', { name: 'join_code', required: true, value: code, autocomplete: 'off', autocapitalize: 'characters' });
  const form = cardForm(null, t('join.submit'), async (card, photo) => {
    ctx.session = await session.register(slug, codeInput.value.trim(), card);
    if (photo) await keepPhoto(photo);
    toast(t('join.welcome'));
    await ctx.reload('/card');
  });
  form.prepend(field(t('join.code'), codeInput));
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
        alt: t('card.qr_of', { name: s.attendee.card.fn }),
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
      })
    : h('p', {}, t('card.qr_later'));
  const edit = h(
    'section',
    { hidden: true },
    h('h2', {}, t('card.edit')),
    cardForm(
      s.attendee.card,
      t('card.save'),
      async (c, photo) => {
        if (photo !== undefined) await keepPhoto(photo);
        if (changed(c, s.attendee.card)) ctx.session = await session.saveCard(c);
        toast(photo === undefined || navigator.onLine ? t('card.saved') : t('card.saved_photo_later'));
        await ctx.reload('/card');
      },
      photoSrc,
    ),
  );
  const view = h(
    'section',
    { class: 'my-card' },
    avatar(mine, true, pending ? photoSrc : null),
    h('h1', {}, h('bdi', {}, mine.fn)),
    mine.pronouns ? h('p', { class: 'small' }, mine.pronouns) : null,
    h('p', { class: 'role' }, [mine.title, mine.org].filter(Boolean).join(' · ')),
    pending ? h('p', { class: 'small pending-photo' }, t('card.photo_pending')) : null,
    (mine.socials || []).length ? h('ul', { class: 'card-lines' }, profileLines(mine)) : null,
    h('div', { class: 'qr-box' }, qr),
    h('p', { class: 'small' }, t('card.scan_this')),
    h('p', { class: 'small wrap' }, h('a', { href: s.card_url, class: 'card-url', dir: 'ltr' }, s.card_url)),
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
        t('card.edit'),
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
            t('card.share'),
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
                  toast(t('card.nfc_done'));
                } catch (err) {
                  toast(t('card.nfc_failed', { reason: err.message }));
                }
              },
            },
            t('card.nfc'),
          )
        : null,
    ),
    installSlot(ctx),
  );
  return h('div', {}, view, edit);
}

// The language picker: each language by its own name; the choice is this device's, sent to the
// account too (another device signing in starts in it). A switch redraws the page in place.
function languagePicker(ctx) {
  const note = h('p', { class: 'small', role: 'status', id: 'language-note' });
  const picker = h(
    'select',
    {
      id: 'language',
      onchange: async () => {
        const tag = picker.value;
        const before = i18n.language();
        try {
          await ctx.switchLanguage(tag);
        } catch (err) {
          picker.value = before;
          const language = i18n.LANGUAGES[tag];
          note.textContent = err instanceof i18n.CatalogueUnavailable ? t('settings.language_offline', { language }) : messageOf(err);
          toast(note.textContent);
          return;
        }
        saveLanguage(ctx, tag);
      },
    },
    Object.entries(i18n.LANGUAGES).map(([tag, name]) => h('option', { value: tag, lang: tag, dir: i18n.direction(tag) }, name)),
  );
  picker.value = i18n.language();
  picker.setAttribute('aria-label', t('settings.language'));
  return h('div', { class: 'language' }, picker, h('small', {}, t('settings.language_hint')), note);
}

// The account keeps the language too (best effort: offline, the next start sends it).
export async function saveLanguage(ctx, tag) {
  if (!navigator.onLine || !ctx.session) return;
  try {
    ctx.session = await session.saveSettings({ language: tag });
  } catch {
    /* kept on this device; sent again at the next start */
  }
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
        toast(t('settings.saved'));
      } catch (err) {
        share.checked = !share.checked;
        toast(t('settings.not_saved', { reason: messageOf(err) }));
      }
    },
  });
  const signinBox = h('div', { class: 'signin-box', 'aria-live': 'polite' });
  return h(
    'section',
    {},
    h('h1', {}, t('settings.title')),
    h('div', { class: 'check' }, share, h('label', { for: 'share-back' }, t('settings.share_back'))),
    h('h2', {}, t('settings.signin_title')),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            const out = await api('POST', '/api/me/devices');
            signinBox.replaceChildren(
              await qrCanvas(out.sign_in_url, t('settings.signin_qr')),
              h('p', {}, t('settings.signin_scan', { minutes: 10 })),
              h('p', {}, h('a', { href: out.sign_in_url, class: 'wrap', dir: 'ltr' }, out.sign_in_url)),
            );
          } catch (err) {
            toast(t('settings.signin_failed', { reason: messageOf(err) }));
          }
        },
      },
      t('settings.signin_show'),
    ),
    signinBox,
    h('h2', {}, t('settings.language')),
    languagePicker(ctx),
    addressBookSection(),
    h('h2', {}, t('settings.export')),
    h(
      'p',
      { class: 'row' },
      h('a', { class: 'button', href: '/api/contacts.vcf', download: 'contacts.vcf' }, t('settings.export_vcf')),
      h('a', { class: 'button', href: '/api/contacts.csv', download: 'contacts.csv' }, t('settings.export_csv')),
    ),
    h('h2', {}, t('settings.delete_title')),
    h('p', {}, t('settings.delete_text')),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          if (!window.confirm(t('settings.delete_confirm'))) return;
          try {
            await session.deleteEverything();
            ctx.session = null;
            toast(t('settings.deleted'));
            await ctx.reload('/');
          } catch (err) {
            toast(t('settings.not_deleted', { reason: messageOf(err) }));
          }
        },
      },
      t('settings.delete_title'),
    ),
  );
}

// What a refused change was, in words (sync.js files each with its op type).
const PROBLEM_TYPES = {
  exchange: () => t('problems.type_exchange'),
  'contact.update': () => t('problems.type_update'),
  'contact.delete': () => t('problems.type_delete'),
  photo: () => t('problems.type_photo'),
};

export async function problems() {
  const list = await allProblems();
  return h(
    'section',
    {},
    h('h1', {}, t('problems.title')),
    list.length
      ? h(
          'ul',
          { class: 'problems' },
          list.map((p) =>
            h(
              'li',
              {},
              h('strong', {}, (PROBLEM_TYPES[p.type] || (() => t('problems.type_other')))()),
              ' — ',
              describe(p),
              ' ',
              h('code', { dir: 'ltr' }, `(${p.code})`),
              ' ',
              h('small', {}, fmtTime(p.at)),
            ),
          ),
        )
      : h('p', {}, t('problems.none')),
  );
}
