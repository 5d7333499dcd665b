// Contacts and the follow-up list; a contact's page (notes, tags, follow-up, star, save to
// phone, email follow-up, introduce, delete); the /c/<token> link handler.
import { field, fmtTime, h, toast } from '../dom.js';
import { allContacts, allOutbox, getContact } from '../db.js';
import { decodeCardToken } from '../cardtoken.js';
import { deleteContact, swapFromToken, updateContact } from '../actions.js';
import { savedPanel } from './scan.js';

async function pendingIds() {
  return new Set((await allOutbox()).map((r) => r.contact_id));
}

function syncBadge(contact, pending) {
  if (contact.problem) return h('span', { class: 'badge problem' }, `Problem: ${contact.problem}`);
  if (pending.has(contact.id)) return h('span', { class: 'badge local' }, 'Saved on this phone');
  return h('span', { class: 'badge synced' }, contact.verified ? 'Synced' : 'Synced · unverified');
}

const role = (card) => [card.title, card.org].filter(Boolean).join(' · ');

export async function list(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const params = new URLSearchParams(location.search);
  const q = h('input', { type: 'search', id: 'search', value: params.get('q') || '', placeholder: 'Name, org, note, tag' });
  const filter = h('select', { id: 'filter' });
  const sort = h('select', { id: 'sort' },
    h('option', { value: 'met' }, 'Met (newest first)'), h('option', { value: 'name' }, 'Name'),
    h('option', { value: 'due' }, 'Follow-up date'));
  const ul = h('ul', { class: 'contacts' });
  const count = h('p', { class: 'small', role: 'status' });
  const exports = h('p', { class: 'row' });
  let contacts = [];

  const draw = async () => {
    const pending = await pendingIds();
    const term = q.value.trim().toLowerCase();
    const f = filter.value;
    let shown = contacts.filter((c) => !c.deleted).filter((c) => {
      if (f === 'todo' || f === 'done') return c.follow_up === f;
      if (f === 'starred') return c.starred;
      if (f.startsWith('tag:')) return (c.tags || []).includes(f.slice(4));
      return true;
    }).filter((c) => {
      if (!term) return true;
      const hay = [c.card.fn, c.card.org, c.card.title, c.notes, ...(c.tags || []), ...(c.card.emails || [])].join(' ').toLowerCase();
      return hay.includes(term);
    });
    const byName = (a, b) => a.card.fn.localeCompare(b.card.fn);
    const byMet = (a, b) => String(b.met_at || '').localeCompare(String(a.met_at || ''));
    const byDue = (a, b) => String(a.follow_up_on || '9999').localeCompare(String(b.follow_up_on || '9999')) || byName(a, b);
    shown = shown.sort({ name: byName, due: byDue }[sort.value] || byMet);
    ul.replaceChildren(...shown.map((c) => h('li', {},
      h('a', { href: `/contacts/${encodeURIComponent(c.id)}`, class: 'contact-link' },
        h('span', { class: 'name' }, c.starred ? '★ ' : '', c.card.fn),
        h('span', { class: 'role' }, role(c.card))),
      syncBadge(c, pending),
      c.follow_up === 'todo' ? h('span', { class: 'badge' }, `Follow up${c.follow_up_on ? ` by ${c.follow_up_on}` : ''}`) : null)));
    count.textContent = `${shown.length} of ${contacts.filter((c) => !c.deleted).length} contacts`;
    const filtered = shown.length !== contacts.length;
    const ids = shown.filter((c) => !pending.has(c.id)).map((c) => encodeURIComponent(c.id)).join(',');
    const qs = filtered ? `?ids=${ids}` : '';
    if ((filtered && !ids) || !shown.length) {
      exports.replaceChildren(h('span', { class: 'small' }, 'Nothing synced to export yet.'));
      return;
    }
    exports.replaceChildren(
      h('a', { class: 'button secondary', href: `/api/contacts.vcf${qs}`, download: 'contacts.vcf' }, filtered ? 'Export these (.vcf)' : 'Export all (.vcf)'),
      h('a', { class: 'button secondary', href: `/api/contacts.csv${qs}`, download: 'contacts.csv' }, filtered ? 'Export these (CSV)' : 'Export all (CSV)'));
  };
  const load = async () => {
    contacts = await allContacts();
    const tags = [...new Set(contacts.flatMap((c) => c.tags || []))].sort();
    const keep = filter.value || params.get('filter') || '';
    filter.replaceChildren(h('option', { value: '' }, 'All'), h('option', { value: 'todo' }, 'To follow up'),
      h('option', { value: 'done' }, 'Done'), h('option', { value: 'starred' }, 'Starred'),
      ...tags.map((t) => h('option', { value: `tag:${t}` }, `Tag: ${t}`)));
    filter.value = keep;
    await draw();
  };
  for (const el of [q, filter, sort]) el.addEventListener('input', draw);
  ctx.onSync(load);
  await load();
  return h('section', {}, h('h1', {}, 'Contacts'),
    h('div', { class: 'filters' }, field('Search', q), field('Show', filter), field('Sort by', sort)),
    count, ul, exports);
}

function mailto(to, subject, body) {
  const enc = (s) => encodeURIComponent(s);
  return `mailto:${to.map(enc).join(',')}?subject=${enc(subject)}&body=${enc(body)}`;
}

// The share sheet with a real file (never a blob: link, which iOS cannot open).
async function shareFile(id, name) {
  try {
    const response = await fetch(`/api/contacts/${encodeURIComponent(id)}.vcf`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('the contact is not on the server yet');
    const file = new File([await response.blob()], `${name.replace(/[^\p{L}\p{N} ._-]/gu, '') || 'contact'}.vcf`, { type: 'text/vcard' });
    if (!navigator.canShare({ files: [file] })) throw new Error('this browser cannot share files');
    await navigator.share({ files: [file], title: name });
  } catch (err) {
    if (err.name !== 'AbortError') toast(`Not shared: ${err.message}`);
  }
}

export async function detail(ctx, rawId) {
  if (!ctx.session) return ctx.go('/', true);
  const id = decodeURIComponent(rawId);
  const c = await getContact(id);
  if (!c) return h('section', {}, h('h1', {}, 'Contact not found'), h('p', {}, h('a', { href: '/contacts' }, 'Back to contacts')));
  const pending = await pendingIds();
  const event = (ctx.session.event && ctx.session.event.name) || 'the event';
  const me = ctx.session.attendee.card;
  const notes = h('textarea', { rows: 4, value: c.notes || '' });
  notes.value = c.notes || '';
  const tags = h('input', { value: (c.tags || []).join(', ') });
  const follow = h('select', {}, h('option', { value: 'none' }, 'No follow-up'), h('option', { value: 'todo' }, 'To follow up'), h('option', { value: 'done' }, 'Done'));
  follow.value = c.follow_up || 'none';
  const due = h('input', { type: 'date', value: c.follow_up_on || '' });
  const star = h('input', { type: 'checkbox', id: 'star', checked: c.starred });
  const others = (await allContacts()).filter((o) => o.id !== id && !o.deleted && (o.card.emails || []).length);
  const intro = h('select', { id: 'introduce' }, h('option', { value: '' }, 'Choose a contact'), others.map((o) => h('option', { value: o.id }, o.card.fn)));
  const introLink = h('p', {});
  intro.addEventListener('change', () => {
    const o = others.find((x) => x.id === intro.value);
    if (!o || !(c.card.emails || []).length) { introLink.replaceChildren(); return; }
    const body = `Hi ${c.card.fn} and ${o.card.fn},\n\nI met you both at ${event} and think you should talk.\n\nBest,\n${me.fn}`;
    introLink.replaceChildren(h('a', { class: 'button', href: mailto([c.card.emails[0], o.card.emails[0]], `Introduction: ${c.card.fn} and ${o.card.fn}`, body) }, 'Write the introduction email'));
  });
  let dirty = false;
  ctx.onSync(async () => {
    const fresh = await getContact(id);
    if (!dirty && JSON.stringify(fresh) !== JSON.stringify(c)) await ctx.reload(location.pathname);
  });
  const card = c.card;
  const email = (card.emails || [])[0];
  const followBody = `Hi ${card.fn},\n\nGreat to meet you at ${event}. \n\nBest,\n${me.fn}`;
  return h('section', { class: 'contact' },
    h('h1', {}, card.fn), h('p', { class: 'role' }, role(card)), syncBadge(c, pending),
    c.verified ? null : h('p', { class: 'small' }, id.startsWith('att:') ? 'Pending verification: confirmed at the next sync.' : 'From a foreign card (unverified).'),
    h('ul', { class: 'card-lines' },
      (card.emails || []).map((e) => h('li', {}, h('a', { href: `mailto:${encodeURIComponent(e)}` }, e))),
      (card.phones || []).map((p) => h('li', {}, h('a', { href: `tel:${p.replace(/[^0-9+]/g, '')}` }, p))),
      (card.urls || []).map((u) => h('li', {}, /^https?:\/\//i.test(u) ? h('a', { href: u, rel: 'noopener nofollow', target: '_blank' }, u) : u)),
      card.note ? h('li', { class: 'note' }, card.note) : null),
    h('p', { class: 'small' }, `Met ${fmtTime(c.met_at)}${(c.methods || []).length ? ` · ${c.methods.join(', ')}` : ''}`),
    h('form', { class: 'edit', oninput: () => { dirty = true; }, onsubmit: async (e) => {
      e.preventDefault();
      const set = {};
      const t = tags.value.split(',').map((x) => x.trim()).filter(Boolean);
      if (notes.value !== (c.notes || '')) set.notes = notes.value;
      if (JSON.stringify(t) !== JSON.stringify(c.tags || [])) set.tags = t;
      if (follow.value !== (c.follow_up || 'none')) set.follow_up = follow.value;
      if ((due.value || null) !== (c.follow_up_on || null)) set.follow_up_on = due.value || null;
      if (star.checked !== Boolean(c.starred)) set.starred = star.checked;
      if (!Object.keys(set).length) { toast('Nothing changed.'); return; }
      Object.assign(c, await updateContact(id, set));
      toast('Saved on this phone.');
      await ctx.reload(location.pathname);
    } },
    field('Notes', notes), field('Tags (comma separated)', tags), field('Follow-up', follow), field('Follow up by', due),
    h('div', { class: 'check' }, star, h('label', { for: 'star' }, 'Starred')),
    h('button', { type: 'submit' }, 'Save')),
    h('h2', {}, 'Actions'),
    h('p', { class: 'row' },
      h('a', { class: 'button secondary', href: `/api/contacts/${encodeURIComponent(id)}.vcf`, download: 'contact.vcf' }, 'Save to phone'),
      navigator.canShare ? h('button', { type: 'button', class: 'secondary', onclick: () => shareFile(id, card.fn) }, 'Share…') : null,
      email ? h('a', { class: 'button secondary', href: mailto([email], `Great to meet you at ${event}`, followBody) }, 'Email follow-up') : null),
    others.length ? field('Introduce to', intro) : null, introLink,
    h('p', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!window.confirm(`Delete ${card.fn} from your contacts?`)) return;
      await deleteContact(id);
      toast('Deleted.');
      await ctx.reload('/contacts');
    } }, 'Delete contact')));
}

// /c/<token>: on a signed-in phone, record the swap (offline too); else show the card preview.
export async function cardLink(ctx, token) {
  const decoded = decodeCardToken(token);
  if (!decoded) return h('section', {}, h('h1', {}, 'Card not readable'), h('p', {}, 'This card link is damaged.'));
  if (ctx.session && decoded.attendee_id !== ctx.session.attendee.id) {
    try {
      const { contact, already } = await swapFromToken(token, 'link');
      history.replaceState(null, '', `/contacts/${encodeURIComponent(contact.id)}`);
      return savedPanel(contact, null, already);
    } catch (err) {
      return h('p', { class: 'error', role: 'alert' }, err.message);
    }
  }
  const card = decoded.card;
  return h('section', { class: 'contact' }, h('h1', {}, card.fn), h('p', { class: 'role' }, role(card)),
    h('ul', { class: 'card-lines' }, [...card.emails, ...card.phones, ...card.urls].map((x) => h('li', {}, x))),
    h('p', { class: 'row' }, h('a', { class: 'button', href: `/c/${decoded.token}.vcf`, download: 'card.vcf' }, 'Save to contacts'),
      ctx.session ? null : h('a', { class: 'button secondary', href: `/join/${encodeURIComponent(decoded.event_slug)}` }, 'Swap back: join the event')));
}
