// Contacts and the follow-up list; a contact's page (notes, tags, follow-up, star, save to
// phone, email follow-up, introduce, delete); the /c/<token> link handler.
import { field, h, toast } from '../dom.js';
import { allContacts, allOutbox, getContact } from '../db.js';
import { decodeCardToken } from '../cardtoken.js';
import { deleteContact, swapFromToken, updateContact } from '../actions.js';
import { avatar, profileLines, savedPanel, splitTags } from '../widgets.js';
import { collator, fmtDate, fmtList, fmtTime, language, t } from '../i18n.js';
import { describe, messageOf } from '../errors.js';
import { compareCards, matches, searchable } from '../names.js';
import { followUpDraft, introductionDraft } from '../drafts.js';
import { sharesSection } from '../shares.js';

async function pendingIds() {
  return new Set((await allOutbox()).map((r) => r.contact_id));
}

function syncBadge(contact, pending) {
  if (contact.problem) {
    const reason = describe({ code: contact.problem_code, message: contact.problem });
    return h('span', { class: 'badge problem' }, t('contact.problem', { reason }));
  }
  if (pending.has(contact.id)) return h('span', { class: 'badge local' }, t('saved.saved'));
  return h('span', { class: 'badge synced' }, contact.verified ? t('contact.synced') : t('contact.synced_unverified'));
}

// The fields the server's `q` searches (card fields, notes, tags), so exports match the list;
// folded for the language's search (names.js), the reading included.
const folded = new WeakMap(); // contact → its folded text, while the list holds that contact
function haystack(c) {
  const kept = folded.get(c);
  if (kept && kept.lang === language()) return kept.text;
  const { photo, reading, ...rest } = c.card || {};
  const card = Object.values(rest).flatMap((v) => (Array.isArray(v) ? v.map((x) => (x && x.url) || x) : [String(v ?? '')]));
  const read = reading ? [reading.family, reading.given, `${reading.family || ''}${reading.given || ''}`] : [];
  const text = searchable([c.notes || '', ...(c.tags || []), ...card, ...read].join('\n'));
  folded.set(c, { lang: language(), text });
  return text;
}

// How a contact was met, in words (methods of DESIGN.md section 5).
const METHODS = {
  qr: () => t('method.qr'),
  nfc: () => t('method.nfc'),
  link: () => t('method.link'),
  manual: () => t('method.manual'),
  reciprocal: () => t('method.reciprocal'),
};
const methodWords = (methods) => fmtList((methods || []).map((m) => (METHODS[m] ? METHODS[m]() : m)));

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
  const q = h('input', {
    type: 'search',
    id: 'search',
    value: params.get('q') || '',
    placeholder: t('contacts.search_placeholder'),
    maxlength: 200,
  });
  const filter = h('select', { id: 'filter' });
  const sort = h(
    'select',
    { id: 'sort' },
    h('option', { value: 'met' }, t('contacts.sort_met')),
    h('option', { value: 'name' }, t('contacts.sort_name')),
    h('option', { value: 'due' }, t('contacts.sort_due')),
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
    const term = q.value.trim();
    const f = filter.value;
    let shown = contacts
      .filter((c) => !c.deleted)
      .filter((c) => {
        if (f === 'todo' || f === 'done') return c.follow_up === f;
        if (f === 'starred') return c.starred;
        if (f.startsWith('tag:')) return (c.tags || []).includes(f.slice(4));
        return true;
      })
      .filter((c) => !term || matches(haystack(c), term));
    const byName = (a, b) => compareCards(a.card, b.card);
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
              'aria-label': t('contacts.select', { name: c.card.fn }),
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
              h(
                'span',
                {},
                h('span', { class: 'name' }, c.starred ? '★ ' : '', h('bdi', {}, c.card.fn)),
                h('span', { class: 'role' }, role(c.card)),
              ),
            ),
          ),
          syncBadge(c, pending),
          c.follow_up === 'todo'
            ? h(
                'span',
                { class: 'badge' },
                c.follow_up_on ? t('contacts.follow_up_by', { date: fmtDate(c.follow_up_on) }) : t('contacts.follow_up'),
              )
            : null,
        ),
      ),
    );
    count.textContent = t('contacts.count', { shown: shown.length, count: contacts.filter((c) => !c.deleted).length });
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
        link(qs, t('contacts.export_selected_vcf', { count: picked.size }), 'vcf'),
        link(qs, t('contacts.export_selected_csv', { count: picked.size }), 'csv'),
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
          t('contacts.clear_selection'),
        ),
      );
      return;
    }
    const qs = exportQuery(f, q.value.trim());
    const filtered = Boolean(qs);
    const unsynced = shown.filter((c) => pending.has(c.id)).length;
    if (!shown.length || unsynced === shown.length) {
      exports.replaceChildren(h('span', { class: 'small' }, t('contacts.nothing_to_export')));
      return;
    }
    exports.replaceChildren(
      ...kids(
        link(qs, filtered ? t('contacts.export_these_vcf') : t('contacts.export_all_vcf'), 'vcf'),
        link(qs, filtered ? t('contacts.export_these_csv') : t('contacts.export_all_csv'), 'csv'),
        unsynced ? h('span', { class: 'small' }, t('contacts.unsynced_later', { count: unsynced })) : null,
      ),
    );
  };
  const load = async () => {
    contacts = await allContacts();
    const tags = [...new Set(contacts.flatMap((c) => c.tags || []))].sort(collator().compare);
    const keep = filter.value || params.get('filter') || '';
    filter.replaceChildren(
      h('option', { value: '' }, t('contacts.filter_all')),
      h('option', { value: 'todo' }, t('follow.todo')),
      h('option', { value: 'done' }, t('follow.done')),
      h('option', { value: 'starred' }, t('contacts.filter_starred')),
      ...tags.map((tag) => h('option', { value: `tag:${tag}` }, t('contacts.filter_tag', { tag }))),
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
    h('h1', {}, t('contacts.title')),
    sharesSection(),
    h('div', { class: 'filters' }, field(t('contacts.search'), q), field(t('contacts.show'), filter), field(t('contacts.sort'), sort)),
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
    if (!response.ok) throw new Error(t('contact.not_on_server'));
    const file = new File([await response.blob()], `${name.replace(/[^\p{L}\p{N} ._-]/gu, '') || 'contact'}.vcf`, { type: 'text/vcard' });
    if (!navigator.canShare({ files: [file] })) throw new Error(t('contact.cannot_share'));
    await navigator.share({ files: [file], title: name });
  } catch (err) {
    if (err.name !== 'AbortError') toast(t('contact.not_shared', { reason: err.message }));
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
  if (!c) return h('section', {}, h('h1', {}, t('contact.not_found')), h('p', {}, h('a', { href: '/contacts' }, t('contact.back'))));
  const event = ctx.session.event && ctx.session.event.name;
  const me = ctx.session.attendee.card;
  const inputs = {
    notes: h('textarea', { rows: 4, name: 'notes' }),
    tags: h('input', { name: 'tags' }),
    follow: h(
      'select',
      { name: 'follow_up' },
      h('option', { value: 'none' }, t('follow.none')),
      h('option', { value: 'todo' }, t('follow.todo')),
      h('option', { value: 'done' }, t('follow.done')),
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
  const gone = h('p', { class: 'error', role: 'alert', hidden: true }, t('contact.gone'));
  const intro = h('select', { id: 'introduce' });
  let others = [];
  const drawIntro = () => {
    const o = others.find((x) => x.id === intro.value);
    if (!o || !(c.card.emails || []).length) {
      introLink.replaceChildren();
      return;
    }
    const draft = introductionDraft(c.card, o.card, me, event);
    introLink.replaceChildren(
      h('a', { class: 'button', href: mailto([c.card.emails[0], o.card.emails[0]], draft.subject, draft.body) }, t('contact.write_intro')),
    );
  };
  intro.addEventListener('change', drawIntro);

  const draw = async () => {
    const pending = await pendingIds();
    const card = c.card;
    top.replaceChildren(
      ...kids(
        avatar(card, true),
        h('h1', {}, h('bdi', {}, card.fn)),
        card.pronouns ? h('p', { class: 'small' }, card.pronouns) : null,
        h('p', { class: 'role' }, role(card)),
        syncBadge(c, pending),
        c.verified ? null : h('p', { class: 'small' }, id.startsWith('att:') ? t('contact.pending_verification') : t('contact.foreign')),
        h(
          'ul',
          { class: 'card-lines' },
          (card.emails || []).map((e) => h('li', {}, h('a', { href: `mailto:${encodeURIComponent(e)}`, dir: 'ltr' }, e))),
          (card.phones || []).map((p) => h('li', {}, h('a', { href: `tel:${p.replace(/[^0-9+]/g, '')}`, dir: 'ltr' }, p))),
          (card.urls || []).map((u) =>
            h(
              'li',
              {},
              /^https?:\/\//i.test(u)
                ? h('a', { href: u, rel: 'noopener nofollow', target: '_blank', dir: 'ltr' }, u)
                : h('span', { dir: 'ltr' }, u),
            ),
          ),
          profileLines(card),
          card.note ? h('li', { class: 'note', dir: 'auto' }, card.note) : null,
        ),
        h(
          'p',
          { class: 'small' },
          (c.methods || []).length
            ? t('contact.met_how', { time: fmtTime(c.met_at), methods: methodWords(c.methods) })
            : t('contact.met', { time: fmtTime(c.met_at) }),
        ),
      ),
    );
    const email = (card.emails || [])[0];
    const follow = followUpDraft(card, me, event);
    actions.replaceChildren(
      ...kids(
        h(
          'a',
          { class: 'button secondary', href: `/api/contacts/${encodeURIComponent(id)}.vcf`, download: 'contact.vcf' },
          t('contact.save_to_phone'),
        ),
        navigator.canShare
          ? h('button', { type: 'button', class: 'secondary', onclick: () => shareFile(id, card.fn) }, t('contact.share'))
          : null,
        email
          ? h('a', { class: 'button secondary', href: mailto([email], follow.subject, follow.body) }, t('contact.email_follow_up'))
          : null,
      ),
    );
    // The chosen person stays chosen while the list of others refreshes.
    others = (await allContacts()).filter((o) => o.id !== id && !o.deleted && (o.card.emails || []).length);
    others.sort((a, b) => compareCards(a.card, b.card));
    const chosen = intro.value; // read after the wait: the user may have just chosen
    intro.replaceChildren(h('option', { value: '' }, t('contact.choose')), ...others.map((o) => h('option', { value: o.id }, o.card.fn)));
    intro.value = others.some((o) => o.id === chosen) ? chosen : '';
    introBox.replaceChildren(others.length ? field(t('contact.introduce'), intro) : '');
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
          const typed = splitTags(inputs.tags.value);
          if (inputs.notes.value !== (c.notes || '')) set.notes = inputs.notes.value;
          if (JSON.stringify(typed) !== JSON.stringify(c.tags || [])) set.tags = typed;
          if (inputs.follow.value !== (c.follow_up || 'none')) set.follow_up = inputs.follow.value;
          if ((inputs.due.value || null) !== (c.follow_up_on || null)) set.follow_up_on = inputs.due.value || null;
          if (inputs.star.checked !== Boolean(c.starred)) set.starred = inputs.star.checked;
          if (!Object.keys(set).length) {
            toast(t('contact.nothing_changed'));
            return;
          }
          Object.assign(c, await updateContact(id, set));
          toast(t('contact.saved'));
          await ctx.reload(location.pathname);
        },
      },
      field(t('contact.notes'), inputs.notes),
      field(t('contact.tags'), inputs.tags),
      field(t('contact.follow_up'), inputs.follow),
      field(t('contact.follow_up_by'), inputs.due),
      h('div', { class: 'check' }, inputs.star, h('label', { for: 'star' }, t('contact.starred'))),
      h('button', { type: 'submit' }, t('contact.save')),
    ),
    h('h2', {}, t('contact.actions')),
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
            if (!window.confirm(t('contact.delete_confirm', { name: c.card.fn }))) return;
            await deleteContact(id);
            toast(t('contact.deleted'));
            await ctx.reload('/contacts');
          },
        },
        t('contact.delete'),
      ),
    ),
  );
}

// /c/<token>: on a signed-in phone, record the swap (offline too); else show the card preview.
export async function cardLink(ctx, token) {
  const decoded = decodeCardToken(token);
  if (!decoded) return h('section', {}, h('h1', {}, t('link.unreadable')), h('p', {}, t('link.damaged')));
  if (ctx.session && decoded.attendee_id !== ctx.session.attendee.id) {
    try {
      const { contact, already } = await swapFromToken(token, 'link');
      history.replaceState(null, '', `/contacts/${encodeURIComponent(contact.id)}`);
      return savedPanel(contact, null, already, 'h1');
    } catch (err) {
      return h('p', { class: 'error', role: 'alert' }, messageOf(err));
    }
  }
  const card = decoded.card;
  return h(
    'section',
    { class: 'contact' },
    avatar(card, true),
    h('h1', {}, h('bdi', {}, card.fn)),
    h('p', { class: 'role' }, role(card)),
    h(
      'ul',
      { class: 'card-lines' },
      [...card.emails, ...card.phones, ...card.urls].map((x) => h('li', {}, h('span', { dir: 'ltr' }, x))),
    ),
    h(
      'p',
      { class: 'row' },
      h('a', { class: 'button', href: `/c/${decoded.token}.vcf`, download: 'card.vcf' }, t('link.save')),
      ctx.session ? null : h('a', { class: 'button secondary', href: `/join/${encodeURIComponent(decoded.event_slug)}` }, t('link.join')),
    ),
  );
}
