// Widgets more than one screen draws (a screen never imports another screen).
import { h, toast } from './dom.js';
import { getMeta } from './db.js';
import { updateContact } from './actions.js';
import { t } from './i18n.js';

// Brand names stay as the brands write them; `other` is a word of the language.
const BRANDS = { linkedin: 'LinkedIn', x: 'X', mastodon: 'Mastodon', github: 'GitHub', bluesky: 'Bluesky' };
export const networkName = (network) => BRANDS[network] || t('socials.other');
export const NETWORKS = [...Object.keys(BRANDS), 'other'];

// The photo over initials on a colour from the name (shown offline, or until sync brings it).
export function avatar(card, big = false, src = null) {
  const words = (card.fn || '?').trim().split(/\s+/);
  const letters = [words[0], words.length > 1 ? words.at(-1) : ''].map((w) => [...w][0] || '').join('');
  const box = h('span', { class: big ? 'avatar big' : 'avatar', 'aria-hidden': 'true' }, letters.toUpperCase());
  box.style.setProperty(
    '--hue',
    [...words.join(' ')].reduce((n, ch) => (n * 31 + ch.codePointAt(0)) % 360, 7),
  );
  const url = src ?? (card.photo && card.photo[big ? 'large' : 'small']);
  // Offline, the small one is kept (sync.js), else initials.
  const retry = (e) => (e.target.src.endsWith('large.jpg') ? (e.target.src = card.photo.small) : e.target.remove());
  if (url) box.append(h('img', { src: url, alt: '', loading: 'lazy', onerror: retry }));
  return box;
}

// Tags as typed: comma separated, in any script's comma (、，، too).
export const splitTags = (text) =>
  text
    .split(/[,、，،]/)
    .map((x) => x.trim())
    .filter(Boolean);

// Social profiles by network name (server/cards.py SOCIAL_NETWORKS).
export const profileLines = (card) =>
  (card.socials || [])
    .filter((x) => /^https?:\/\//i.test(x.url))
    .map((x) =>
      h(
        'li',
        {},
        h('span', { class: 'network' }, networkName(x.network)),
        ' ',
        h('a', { href: x.url, rel: 'noopener me', target: '_blank', dir: 'ltr' }, x.url.replace(/^https?:\/\/(www\.)?/i, '')),
      ),
    );

function ownQr(svg) {
  return svg
    ? h('img', { class: 'qr', alt: t('card.qr_mine'), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` })
    : h('p', {}, t('card.qr_later_short'));
}

// After a swap: a one-tap note and tags while the conversation is fresh, and "scan me back".
// `heading`: h2 under the Scan screen's h1; h1 when the panel is the whole page (a /c/ link).
export function savedPanel(contact, elapsedMs, already = false, heading = 'h2') {
  const note = h('input', { id: 'quick-note', placeholder: t('saved.note_placeholder') });
  const tags = h('input', { id: 'quick-tags', placeholder: t('saved.tags_placeholder') });
  const back = h('div', { class: 'scan-back' });
  const panel = h(
    'section',
    { class: 'saved', 'data-contact-id': contact.id, 'data-save-ms': elapsedMs == null ? '' : String(Math.round(elapsedMs)) },
    h('p', { class: 'saved-badge', role: 'status' }, already ? t('saved.already') : t('saved.saved')),
    avatar(contact.card, true),
    h(heading, { class: 'saved-name' }, h('bdi', {}, contact.card.fn)),
    h('p', { class: 'role' }, [contact.card.title, contact.card.org].filter(Boolean).join(' · ')),
    contact.verified
      ? null
      : h('p', { class: 'small' }, contact.id.startsWith('att:') ? t('saved.pending_verification') : t('saved.foreign')),
    h(
      'form',
      {
        class: 'quick',
        onsubmit: async (e) => {
          e.preventDefault();
          const set = {};
          if (note.value.trim()) set.notes = note.value.trim();
          const typed = splitTags(tags.value);
          if (typed.length) set.tags = typed;
          if (Object.keys(set).length) {
            await updateContact(contact.id, set);
            toast(t('saved.note_saved'));
          }
        },
      },
      h('label', { for: 'quick-note' }, t('saved.note')),
      note,
      h('label', { for: 'quick-tags' }, t('contact.tags')),
      tags,
      h('button', { type: 'submit' }, t('saved.save_note')),
    ),
    h(
      'p',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: async () => {
            back.replaceChildren(ownQr(await getMeta('qr_svg')));
          },
        },
        t('saved.scan_back'),
      ),
      h('a', { class: 'button secondary', href: `/contacts/${encodeURIComponent(contact.id)}` }, t('saved.open')),
    ),
    back,
  );
  return panel;
}
