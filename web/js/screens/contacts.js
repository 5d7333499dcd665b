// Contacts and the follow-up list; a contact's page (notes, tags, follow-up, star, save to
// phone, email follow-up, introduce, delete); the /c/<token> link handler.
import { field, fmtTime, h, toast } from '../dom.js';
import { allContacts, allOutbox, getContact } from '../db.js';
import { decodeCardToken } from '../cardtoken.js';
import { deleteContact, swapFromToken, updateContact } from '../actions.js';
import { avatar, profileLines, savedPanel } from '../widgets.js';
import { sharesSection } from '../shares.js';

async function pendingIds() {
  return new Set((await allOutbox()).map((r) => r.contact_id));
}

function syncBadge(contact, pending) {
  if (contact.problem) return h('span', { class: 'badge problem' }, `Problem: ${contact.problem}`);
  if (pending.has(contact.id)) return h('span', { class: 'badge local' }, 'Saved on this phone');
  return h('span', { class: 'badge synced' }, contact.verified ? 'Synced' : 'Synced · unverified');
}

// The same search as the server's `q` (card fields, notes, tags), so exports match the list.
function haystack(c) {
  const { photo, ...rest } = c.card || {};
  const card = Object.values(rest).flatMap((v) => (Array.isArray(v) ? v.map((x) => (x && x.url) || x) : [String(v ?? '')]));
  return [c.notes || '', ...(c.tags || []), ...card].join('\n').toLowerCase();
}

// `?tag=…&follow_up=…&starred=true&q=…` for a filtered list ('' when nothing is filtered); a
// hand-picked selection (`ids`) is the only export that names contacts one by one.
export function exportQuery(filter, term, ids = null) {
  const p = new URLSearchParams();
  if (ids) p.set('ids', ids.join(','));
  if (filter === 'todo' || filter === 'done') p.set('follow_up', filter);
  else if (filter === 'starred') p.set('starred', 'true');
  else if (filter && filter.startsWith('tag:')) p.set('tag', filter.slice(4));
  if (term) p.set('q', term);
  const text = p.toString();
  return text ? `?${text}` : '';
}

// Children for replaceChildren, which neither flattens arrays nor skips nulls as h() does.
const kids = (...xs) => xs.flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false);

const role = (card) => [card.title, card.org].filter(Boolean).join(' · ');

export async function list(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const params = new URLSearchParams(location.search);
  const q = h('input', { type: 'search', id: 'search', value: params.get('q') || '', placeholder: 'Name, org, note, tag', maxlength: 200 });
  const filter = h('select', { id: 'filter' });
  const sort = h(
    'select',
    { id: 'sort' },
    h('option', { value: 'met' }, 'Met (newest first)'),
    h('option', { value: 'name' }, 'Name'),
    h('option', { value: 'due' }, 'Follow-up date'),
  );
  const ul = h('ul', { class: 'contacts' });
  const count = h('p', { class: 'small', role: 'status' });
  const exports = h('p', { class: 'row' });
  const picked = new Set(); // contacts ticked by hand for export
  let contacts = [];

  let drawn = 0;
  const draw = async () => {
    const turn = ++drawn;
    const pending = await pendingIds();
    if (turn !== drawn) return; // a newer draw (the user typed on) owns the list
    const term = q.value.trim().toLowerCase();
    const f = filter.value;
    let shown = contacts
      .filter((c) => !c.deleted)
      .filter((c) => {
        if (f === 'todo' || f === 'done') return c.follow_up === f;
        if (f === 'starred') return c.starred;
        if (f.startsWith('tag:')) return (c.tags || []).includes(f.slice(4));
        return true;
      })
      .filter((c) => !term || haystack(c).includes(term));
    const byName = (a, b) => a.card.fn.localeCompare(b.card.fn);
    const byMet = (a, b) => String(b.met_at || '').localeCompare(String(a.met_at || ''));
    const byDue = (a, b) => String(a.follow_up_on || '9999').localeCompare(String(b.follow_up_on || '9999')) || byName(a, b);
    shown = shown.sort({ name: byName, due: byDue }[sort.value] || byMet);
    ul.replaceChildren(
      ...shown.map((c) =>
        h(
          'li',
          {},
          h(
            'div',
            { class: 'pick-row' },
            h('input', {
              type: 'checkbox',
              class: 'pick',
              'aria-label': `Select ${c.card.fn} for export`,
              checked: picked.has(c.id),
              onchange: (e) => {
                if (e.target.checked) picked.add(c.id);
                else picked.delete(c.id);
                drawExports();
              },
            }),
            h(
              'a',
              { href: `/contacts/${encodeURIComponent(c.id)}`, class: 'contact-link' },
              avatar(c.card),
              h('span', {}, h('span', { class: 'name' }, c.starred ? '★ ' : '', c.card.fn), h('span', { class: 'role' }, role(c.card))),
            ),
          ),
          syncBadge(c, pending),
          c.follow_up === 'todo' ? h('span', { class: 'badge' }, `Follow up${c.follow_up_on ? ` by ${c.follow_up_on}` : ''}`) : null,
        ),
      ),
    );
    count.textContent = `${shown.length} of ${contacts.filter((c) => !c.deleted).length} contacts`;
    last = { shown, pending, f };
    drawExports();
  };
  // The export of a filtered list names the list's filters (the server applies the same ones),
  // never the ids: a filtered list of thousands would not fit in a URL. Only contacts picked by
  // hand are named one by one (`ids=`).
  let last = { shown: [], pending: new Set(), f: '' };
  const drawExports = () => {
    const { shown, pending, f } = last;
    const live = new Set(contacts.filter((c) => !c.deleted).map((c) => c.id));
    for (const id of picked) if (!live.has(id)) picked.delete(id);
    const link = (qs, text, kind) =>
      h('a', { class: 'button secondary', href: `/api/contacts.${kind}${qs}`, download: `contacts.${kind}` }, text);
    if (picked.size) {
      const qs = exportQuery('', '', [...picked]);
      exports.replaceChildren(
        link(qs, `Export ${picked.size} selected (.vcf)`, 'vcf'),
        link(qs, `Export ${picked.size} selected (CSV)`, 'csv'),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              picked.clear();
              draw();
            },
          },
          'Clear selection',
        ),
      );
      return;
    }
    const qs = exportQuery(f, q.value.trim());
    const filtered = Boolean(qs);
    const unsynced = shown.filter((c) => pending.has(c.id)).length;
    if (!shown.length || unsynced === shown.length) {
      exports.replaceChildren(h('span', { class: 'small' }, 'Nothing synced to export yet.'));
      return;
    }
    exports.replaceChildren(
      ...kids(
        link(qs, filtered ? 'Export these (.vcf)' : 'Export all (.vcf)', 'vcf'),
        link(qs, filtered ? 'Export these (CSV)' : 'Export all (CSV)', 'csv'),
        unsynced ? h('span', { class: 'small' }, `${unsynced} saved on this phone join the export once synced.`) : null,
      ),
    );
  };
  const load = async () => {
    contacts = await allContacts();
    const tags = [...new Set(contacts.flatMap((c) => c.tags || []))].sort();
    const keep = filter.value || params.get('filter') || '';
    filter.replaceChildren(
      h('option', { value: '' }, 'All'),
      h('option', { value: 'todo' }, 'To follow up'),
      h('option', { value: 'done' }, 'Done'),
      h('option', { value: 'starred' }, 'Starred'),
      ...tags.map((t) => h('option', { value: `tag:${t}` }, `Tag: ${t}`)),
    );
    filter.value = keep;
    await draw();
  };
  for (const el of [q, filter, sort]) el.addEventListener('input', draw);
  ctx.onSync(load);
  await load();
  return h(
    'section',
    {},
    h('h1', {}, 'Contacts'),
    sharesSection(),
    h('div', { class: 'filters' }, field('Search', q), field('Show', filter), field('Sort by', sort)),
    count,
    ul,
    exports,
  );
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

// The form's value for each editable field, as the contact holds it.
const FORM_FIELDS = {
  notes: (c) => c.notes || '',
  tags: (c) => (c.tags || []).join(', '),
  follow: (c) => c.follow_up || 'none',
  due: (c) => c.follow_up_on || '',
  star: (c) => Boolean(c.starred),
};

// A contact's page. After a sync it redraws what it shows from the fresh contact, and puts
// incoming changes into the form fields the user has not touched; typed input is never lost.
export async function detail(ctx, rawId) {
  if (!ctx.session) return ctx.go('/', true);
  const id = decodeURIComponent(rawId);
  let c = await getContact(id);
  if (!c) return h('section', {}, h('h1', {}, 'Contact not found'), h('p', {}, h('a', { href: '/contacts' }, 'Back to contacts')));
  const event = (ctx.session.event && ctx.session.event.name) || 'the event';
  const me = ctx.session.attendee.card;
  const inputs = {
    notes: h('textarea', { rows: 4, name: 'notes' }),
    tags: h('input', { name: 'tags' }),
    follow: h(
      'select',
      { name: 'follow_up' },
      h('option', { value: 'none' }, 'No follow-up'),
      h('option', { value: 'todo' }, 'To follow up'),
      h('option', { value: 'done' }, 'Done'),
    ),
    due: h('input', { type: 'date', name: 'follow_up_on' }),
    star: h('input', { type: 'checkbox', id: 'star', name: 'starred' }),
  };
  const prop = (k) => (k === 'star' ? 'checked' : 'value');
  for (const [k, view] of Object.entries(FORM_FIELDS)) inputs[k][prop(k)] = view(c);
  const top = h('div', { class: 'contact-head' });
  const actions = h('p', { class: 'row' });
  const introBox = h('div', {});
  const introLink = h('p', {});
  const gone = h('p', { class: 'error', role: 'alert', hidden: true }, 'This contact was deleted on another device.');
  const intro = h('select', { id: 'introduce' });
  let others = [];
  const drawIntro = () => {
    const o = others.find((x) => x.id === intro.value);
    if (!o || !(c.card.emails || []).length) {
      introLink.replaceChildren();
      return;
    }
    const body = `Hi ${c.card.fn} and ${o.card.fn},\n\nI met you both at ${event} and think you should talk.\n\nBest,\n${me.fn}`;
    introLink.replaceChildren(
      h(
        'a',
        { class: 'button', href: mailto([c.card.emails[0], o.card.emails[0]], `Introduction: ${c.card.fn} and ${o.card.fn}`, body) },
        'Write the introduction email',
      ),
    );
  };
  intro.addEventListener('change', drawIntro);

  const draw = async () => {
    const pending = await pendingIds();
    const card = c.card;
    top.replaceChildren(
      ...kids(
        avatar(card, true),
        h('h1', {}, card.fn),
        card.pronouns ? h('p', { class: 'small' }, card.pronouns) : null,
        h('p', { class: 'role' }, role(card)),
        syncBadge(c, pending),
        c.verified
          ? null
          : h(
              'p',
              { class: 'small' },
              id.startsWith('att:') ? 'Pending verification: confirmed at the next sync.' : 'From a foreign card (unverified).',
            ),
        h(
          'ul',
          { class: 'card-lines' },
          (card.emails || []).map((e) => h('li', {}, h('a', { href: `mailto:${encodeURIComponent(e)}` }, e))),
          (card.phones || []).map((p) => h('li', {}, h('a', { href: `tel:${p.replace(/[^0-9+]/g, '')}` }, p))),
          (card.urls || []).map((u) =>
            h('li', {}, /^https?:\/\//i.test(u) ? h('a', { href: u, rel: 'noopener nofollow', target: '_blank' }, u) : u),
          ),
          profileLines(card),
          card.note ? h('li', { class: 'note' }, card.note) : null,
        ),
        h('p', { class: 'small' }, `Met ${fmtTime(c.met_at)}${(c.methods || []).length ? ` · ${c.methods.join(', ')}` : ''}`),
      ),
    );
    const email = (card.emails || [])[0];
    const followBody = `Hi ${card.fn},\n\nGreat to meet you at ${event}. \n\nBest,\n${me.fn}`;
    actions.replaceChildren(
      ...kids(
        h(
          'a',
          { class: 'button secondary', href: `/api/contacts/${encodeURIComponent(id)}.vcf`, download: 'contact.vcf' },
          'Save to phone',
        ),
        navigator.canShare ? h('button', { type: 'button', class: 'secondary', onclick: () => shareFile(id, card.fn) }, 'Share…') : null,
        email
          ? h('a', { class: 'button secondary', href: mailto([email], `Great to meet you at ${event}`, followBody) }, 'Email follow-up')
          : null,
      ),
    );
    // The chosen person stays chosen while the list of others refreshes.
    others = (await allContacts()).filter((o) => o.id !== id && !o.deleted && (o.card.emails || []).length);
    const chosen = intro.value; // read after the wait: the user may have just chosen
    intro.replaceChildren(h('option', { value: '' }, 'Choose a contact'), ...others.map((o) => h('option', { value: o.id }, o.card.fn)));
    intro.value = others.some((o) => o.id === chosen) ? chosen : '';
    introBox.replaceChildren(others.length ? field('Introduce to', intro) : '');
    drawIntro();
  };
  await draw();
  let turns = 0;
  ctx.onSync(async () => {
    const turn = ++turns;
    const fresh = await getContact(id);
    if (turn !== turns) return; // a later sync's read is newer
    if (!fresh || fresh.deleted) {
      gone.hidden = false;
      return;
    }
    for (const [k, view] of Object.entries(FORM_FIELDS)) {
      const el = inputs[k];
      if (el[prop(k)] === view(c)) el[prop(k)] = view(fresh); // untouched: take the new value
    }
    c = fresh;
    await draw();
  });
  return h(
    'section',
    { class: 'contact' },
    top,
    gone,
    h(
      'form',
      {
        class: 'edit',
        onsubmit: async (e) => {
          e.preventDefault();
          const set = {};
          const t = inputs.tags.value
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
          if (inputs.notes.value !== (c.notes || '')) set.notes = inputs.notes.value;
          if (JSON.stringify(t) !== JSON.stringify(c.tags || [])) set.tags = t;
          if (inputs.follow.value !== (c.follow_up || 'none')) set.follow_up = inputs.follow.value;
          if ((inputs.due.value || null) !== (c.follow_up_on || null)) set.follow_up_on = inputs.due.value || null;
          if (inputs.star.checked !== Boolean(c.starred)) set.starred = inputs.star.checked;
          if (!Object.keys(set).length) {
            toast('Nothing changed.');
            return;
          }
          Object.assign(c, await updateContact(id, set));
          toast('Saved on this phone.');
          await ctx.reload(location.pathname);
        },
      },
      field('Notes', inputs.notes),
      field('Tags (comma separated)', inputs.tags),
      field('Follow-up', inputs.follow),
      field('Follow up by', inputs.due),
      h('div', { class: 'check' }, inputs.star, h('label', { for: 'star' }, 'Starred')),
      h('button', { type: 'submit' }, 'Save'),
    ),
    h('h2', {}, 'Actions'),
    actions,
    introBox,
    introLink,
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            if (!window.confirm(`Delete ${c.card.fn} from your contacts?`)) return;
            await deleteContact(id);
            toast('Deleted.');
            await ctx.reload('/contacts');
          },
        },
        'Delete contact',
      ),
    ),
  );
}

// /c/<token>: on a signed-in phone, record the swap (offline too); else show the card preview.
export async function cardLink(ctx, token) {
  const decoded = decodeCardToken(token);
  if (!decoded) return h('section', {}, h('h1', {}, 'Card not readable'), h('p', {}, 'This card link is damaged.'));
  if (ctx.session && decoded.attendee_id !== ctx.session.attendee.id) {
    try {
      const { contact, already } = await swapFromToken(token, 'link');
      history.replaceState(null, '', `/contacts/${encodeURIComponent(contact.id)}`);
      return savedPanel(contact, null, already, 'h1');
    } catch (err) {
      return h('p', { class: 'error', role: 'alert' }, err.message);
    }
  }
  const card = decoded.card;
  return h(
    'section',
    { class: 'contact' },
    avatar(card, true),
    h('h1', {}, card.fn),
    h('p', { class: 'role' }, role(card)),
    h(
      'ul',
      { class: 'card-lines' },
      [...card.emails, ...card.phones, ...card.urls].map((x) => h('li', {}, x)),
    ),
    h(
      'p',
      { class: 'row' },
      h('a', { class: 'button', href: `/c/${decoded.token}.vcf`, download: 'card.vcf' }, 'Save to contacts'),
      ctx.session
        ? null
        : h('a', { class: 'button secondary', href: `/join/${encodeURIComponent(decoded.event_slug)}` }, 'Swap back: join the event'),
    ),
  );
}
