// Staff mode (DESIGN.md section 13): a phone joins a booth with its staff link, scans badges and
// cards (the camera of js/scanner.js), saves each lead on the phone at once, qualifies it on one
// screen (the booth's questions and a note), and shares one lead list with the booth's other
// phones through js/booth-sync.js. Exports for the CRM are server files (the staff cookie).
import { field, h, toast } from '../dom.js';
import { allLeads, allProblems, setMeta } from '../db.js';
import { classify } from '../parse.js';
import { decodeCardToken } from '../cardtoken.js';
import { fmtTime, t } from '../i18n.js';
import { watchCamera } from '../scanner.js';
import { boothState, captureLead, deleteLead, JoinRefused, joinBooth, leadId, staff, updateLead } from '../booth-sync.js';
import { avatar } from '../widgets.js';

const role = (card) => [card.title, card.org].filter(Boolean).join(' · ');

// The words of a rating, a yes/no, and each question kind (keys spelled out for the catalogue).
const RATINGS = () => ({ hot: t('booth.rating.hot'), warm: t('booth.rating.warm'), cold: t('booth.rating.cold') });
const KINDS = () => ({
  rating: t('booth.kind.rating'),
  choice: t('booth.kind.choice'),
  multi: t('booth.kind.multi'),
  yesno: t('booth.kind.yesno'),
  text: t('booth.kind.text'),
});

// An answer in words (the lead list, the lead's page).
function answerText(question, value) {
  if (value === undefined || value === null) return '';
  if (question.kind === 'rating') return RATINGS()[value] || '';
  if (question.kind === 'yesno') return value ? t('booth.yes') : t('booth.no');
  if (question.kind === 'multi') return value.join(', ');
  return String(value);
}

// One question as form controls; value() is its answer (undefined when none is given).
function questionField(q, current) {
  const name = `q-${q.id}`;
  const choices = (pairs) =>
    h(
      'div',
      { class: 'choices' },
      pairs.map(([value, label]) => {
        const id = `${name}-${value}`;
        return h(
          'span',
          { class: 'choice' },
          h('input', {
            type: q.kind === 'multi' ? 'checkbox' : 'radio',
            name,
            id,
            value,
            checked: q.kind === 'multi' ? (current || []).includes(value) : current === value,
          }),
          h('label', { for: id }, label),
        );
      }),
    );
  let body;
  if (q.kind === 'rating') body = choices(Object.entries(RATINGS()));
  else if (q.kind === 'yesno')
    body = choices([
      ['yes', t('booth.yes')],
      ['no', t('booth.no')],
    ]);
  else if (q.kind === 'choice' || q.kind === 'multi') body = choices(q.options.map((o) => [o, o]));
  else body = h('input', { type: 'text', name, id: name, maxlength: 1000, value: current || '' });
  if (q.kind === 'yesno' && typeof current === 'boolean') body.querySelector(`[value=${current ? 'yes' : 'no'}]`).checked = true;
  const el = q.kind === 'text' ? field(q.label, body) : h('fieldset', { class: 'question' }, h('legend', {}, q.label), body);
  const value = () => {
    if (q.kind === 'text') return body.value.trim() || undefined;
    const picked = [...body.querySelectorAll('input:checked')].map((i) => i.value);
    if (q.kind === 'multi') return picked.length ? picked : undefined;
    if (!picked.length) return undefined;
    return q.kind === 'yesno' ? picked[0] === 'yes' : picked[0];
  };
  return { el, value };
}

// The booth's questions as one form part: answers() those given, changes(from) those that differ
// from a lead's answers (null for one taken back).
function questionsForm(questions, current = {}) {
  const fields = questions.map((q) => [q, questionField(q, current[q.id])]);
  const answers = () => {
    const out = {};
    for (const [q, f] of fields) if (f.value() !== undefined) out[q.id] = f.value();
    return out;
  };
  const changes = () => {
    const now = answers();
    const out = {};
    for (const [q] of fields) {
      const before = JSON.stringify(current[q.id] ?? null);
      if (JSON.stringify(now[q.id] ?? null) !== before) out[q.id] = now[q.id] ?? null;
    }
    return out;
  };
  return {
    el: h(
      'div',
      { class: 'questions' },
      fields.map(([, f]) => f.el),
    ),
    answers,
    changes,
  };
}

function noBooth() {
  return h('section', {}, h('h1', {}, t('booth.none.title')), h('p', {}, t('booth.none.text')));
}

// `/booth/join/{token}`: sign this phone in as the booth's staff (needs the network once).
export async function boothJoin(ctx, token) {
  const status = h('p', { role: 'status' }, t('booth.join.joining'));
  const retry = h('button', { type: 'button', hidden: true, onclick: () => attempt() }, t('booth.join.retry'));
  const attempt = async () => {
    retry.hidden = true;
    status.textContent = t('booth.join.joining');
    try {
      const booth = await joinBooth(decodeURIComponent(token));
      toast(t('booth.join.joined', { booth: booth.name }));
      history.replaceState(null, '', '/booth'); // Back does not join again
      await ctx.reload();
    } catch (err) {
      if (err instanceof JoinRefused) status.textContent = t('booth.join.unsent', { booth: err.message });
      else if (err.status) status.textContent = err.message;
      else {
        status.textContent = t('booth.join.offline');
        retry.hidden = false;
      }
    }
  };
  attempt();
  return h('section', {}, h('h1', {}, t('booth.join.title')), status, retry);
}

// The lead panel after a scan: saved on the phone at once, then qualified on one screen.
function capturePanel(session, decoded, existing, done) {
  const form = questionsForm(session.booth.questions, existing ? existing.answers : {});
  const note = h('textarea', { id: 'lead-note', rows: 3, maxlength: 10000 });
  const panel = h(
    'section',
    { class: 'saved lead-panel', 'data-lead-id': leadId(decoded.attendee_id) },
    h('p', { class: 'saved-badge', role: 'status' }, existing ? t('booth.capture.again') : t('booth.capture.saved')),
    avatar(decoded.card, true),
    h('h2', { class: 'saved-name' }, decoded.card.fn),
    h('p', { class: 'role' }, role(decoded.card)),
    h(
      'form',
      {
        class: 'lead-form',
        onsubmit: async (e) => {
          e.preventDefault();
          await save();
          toast(t('booth.capture.answers_saved'));
          done();
        },
      },
      form.el,
      h('div', { class: 'field' }, h('label', { for: 'lead-note' }, t('booth.capture.note')), note),
      h('button', { type: 'submit' }, t('booth.capture.save')),
    ),
  );
  let saved = false;
  // Answers and note go as another capture of the same lead: every phone's note is kept.
  const save = async () => {
    if (saved) return;
    saved = true;
    const answers = existing ? form.changes() : form.answers(); // only what this phone changed
    if (Object.keys(answers).length || note.value.trim()) await captureLead(decoded, answers, note.value.trim());
  };
  return { panel, save };
}

function leadItem(lead, questions) {
  const rating = questions.find((q) => q.kind === 'rating');
  const badge = lead.problem
    ? h('span', { class: 'badge problem' }, lead.problem)
    : lead.pending
      ? h('span', { class: 'badge local' }, t('booth.lead.local'))
      : h('span', { class: 'badge synced' }, t('booth.lead.synced'));
  return h(
    'li',
    {},
    h(
      'a',
      { href: `/booth/leads/${encodeURIComponent(lead.id)}`, class: 'contact-link' },
      avatar(lead.card),
      h('span', {}, h('span', { class: 'name' }, lead.card.fn), h('span', { class: 'role' }, role(lead.card))),
    ),
    rating && lead.answers[rating.id]
      ? h('span', { class: `badge rating ${lead.answers[rating.id]}` }, answerText(rating, lead.answers[rating.id]))
      : null,
    badge,
  );
}

function exportLinks() {
  const link = (href, text) => h('a', { class: 'button secondary', href, download: '' }, text);
  return h(
    'section',
    { class: 'booth-export' },
    h('h2', {}, t('booth.export.title')),
    h(
      'p',
      { class: 'row' },
      link('/api/booth/leads.csv?format=hubspot', t('booth.export.hubspot')),
      link('/api/booth/leads.csv?format=salesforce', t('booth.export.salesforce')),
      link('/api/booth/leads.csv?format=plain', t('booth.export.plain')),
      link('/api/booth/leads.vcf', t('booth.export.vcf')),
    ),
    h('p', { class: 'small' }, t('booth.export.hint')),
  );
}

// `/booth`: scan, qualify, and the booth's shared lead list.
export async function booth(ctx) {
  const session = await staff();
  if (!session) return noBooth();
  const video = h('video', { playsinline: true, muted: true, autoplay: true, 'aria-label': t('booth.scan.camera') });
  const status = h('p', { class: 'small' }, t('booth.scan.starting'));
  const result = h('div', { class: 'scan-result', 'aria-live': 'polite' });
  const list = h('ul', { class: 'contacts leads' });
  const count = h('h2', {}, t('booth.leads.title', { count: 0 }));
  const problems = h('p', { class: 'small' });
  const signedOut = h('p', { class: 'error', role: 'alert', hidden: true }, t('booth.signed_out'));
  let open = null; // the lead panel on screen: {save, id}

  const drawList = async () => {
    const current = (await staff()) || session;
    const leads = (await allLeads()).filter((l) => !l.deleted).sort((a, b) => String(b.captured_at).localeCompare(String(a.captured_at)));
    count.textContent = t('booth.leads.title', { count: leads.length });
    list.replaceChildren(...leads.map((l) => leadItem(l, current.booth.questions)));
    const refused = (await allProblems()).filter((p) => p.lead_id).length;
    problems.replaceChildren(...(refused ? [h('a', { href: '/problems' }, t('booth.leads.problems', { count: refused }))] : []));
    signedOut.hidden = !boothState.signedOut;
  };
  const closePanel = () => {
    open = null;
    result.replaceChildren(h('p', { class: 'small' }, t('booth.scan.next')));
    drawList();
  };
  const onText = async (text) => {
    const kind = classify(text);
    const decoded = kind.kind === 'card' && decodeCardToken(kind.token);
    if (!decoded) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('booth.scan.not_a_card')));
      return;
    }
    const current = (await staff()) || session;
    if (current.booth.event && decoded.event_slug !== current.booth.event.slug) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('booth.scan.other_event')));
      return;
    }
    const id = leadId(decoded.attendee_id);
    if (open && open.id === id) return; // the camera still sees the badge being qualified
    if (open) await open.save(); // a new badge: what was typed for the last one is kept
    const existing = (await allLeads()).find((l) => l.id === id && !l.deleted);
    if (!existing) await captureLead(decoded); // saved on this phone at once
    const { panel, save } = capturePanel(current, decoded, existing, closePanel);
    open = { id, save };
    result.replaceChildren(panel);
    if (navigator.vibrate) navigator.vibrate(80);
    drawList();
  };
  const stop = watchCamera(video, {
    onReady: () => {
      status.textContent = t('booth.scan.ready');
    },
    onError: (err) => {
      status.textContent = t('booth.scan.no_camera', { reason: err.message });
    },
    onText,
  });
  ctx.onLeave(() => {
    stop();
    if (open) open.save();
  });
  // Redrawn once a sync is over, not after each of its pages: a day's sync brings thousands.
  ctx.onSync(() => {
    if (!boothState.syncing) drawList();
  });
  await drawList();
  return h(
    'section',
    { class: 'booth' },
    h('h1', {}, session.booth.name),
    h('p', { class: 'small' }, session.booth.event ? t('booth.staff_of', { event: session.booth.event.name }) : ''),
    signedOut,
    h('div', { class: 'video-box' }, video),
    status,
    result,
    count,
    problems,
    list,
    exportLinks(),
    h('p', {}, h('a', { href: '/booth/questions' }, t('booth.questions.link'))),
  );
}

// `/booth/leads/{id}`: one lead: its card, answers and notes to edit, or delete it.
export async function boothLead(ctx, rawId) {
  const session = await staff();
  if (!session) return noBooth();
  const id = decodeURIComponent(rawId);
  const lead = (await allLeads()).find((l) => l.id === id && !l.deleted);
  if (!lead) return h('section', {}, h('h1', {}, t('booth.lead.missing')), h('p', {}, h('a', { href: '/booth' }, t('booth.back'))));
  const form = questionsForm(session.booth.questions, lead.answers);
  const notes = h('textarea', { id: 'lead-notes', rows: 5, maxlength: 10000 });
  notes.value = lead.notes || '';
  const card = lead.card;
  const lines = [
    ...(card.emails || []).map((e) => h('li', {}, h('a', { href: `mailto:${e}` }, e))),
    ...(card.phones || []).map((p) => h('li', {}, h('a', { href: `tel:${p}` }, p))),
    ...(card.urls || []).map((u) => h('li', {}, h('a', { href: u, rel: 'noopener', target: '_blank' }, u))),
  ];
  return h(
    'section',
    { class: 'lead' },
    avatar(card, true),
    h('h1', {}, card.fn),
    h('p', { class: 'role' }, role(card)),
    lines.length ? h('ul', { class: 'card-lines' }, lines) : null,
    h('p', { class: 'small' }, t('booth.lead.captured', { when: fmtTime(lead.captured_at) })),
    h(
      'form',
      {
        class: 'lead-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const set = {};
          const changes = form.changes();
          if (Object.keys(changes).length) set.answers = changes;
          if (notes.value !== (lead.notes || '')) set.notes = notes.value;
          if (Object.keys(set).length) await updateLead(id, set);
          toast(t('booth.lead.saved'));
          await ctx.reload('/booth');
        },
      },
      form.el,
      h('div', { class: 'field' }, h('label', { for: 'lead-notes' }, t('booth.lead.notes')), notes),
      h('button', { type: 'submit' }, t('booth.lead.save')),
    ),
    h(
      'p',
      { class: 'row' },
      h('a', { class: 'button secondary', href: '/booth' }, t('booth.back')),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            if (!window.confirm(t('booth.lead.delete_confirm', { name: card.fn }))) return;
            await deleteLead(id);
            toast(t('booth.lead.deleted'));
            await ctx.reload('/booth');
          },
        },
        t('booth.lead.delete'),
      ),
    ),
  );
}

// One question's row in the editor.
function questionRow(q) {
  const label = h('input', { value: q.label || '', maxlength: 200, 'aria-label': t('booth.questions.label') });
  const kind = h(
    'select',
    { 'aria-label': t('booth.questions.kind') },
    Object.entries(KINDS()).map(([k, v]) => h('option', { value: k }, v)),
  );
  kind.value = q.kind || 'rating';
  const options = h('textarea', { rows: 2, 'aria-label': t('booth.questions.options'), placeholder: t('booth.questions.options') });
  options.value = (q.options || []).join('\n');
  const row = h('li', { class: 'question-row' }, label, kind, options);
  row.append(h('button', { type: 'button', class: 'secondary', onclick: () => row.remove() }, t('booth.questions.remove')));
  const showOptions = () => {
    options.hidden = !['choice', 'multi'].includes(kind.value);
  };
  kind.addEventListener('change', showOptions);
  showOptions();
  row.value = () => {
    const out = { kind: kind.value, label: label.value.trim() };
    if (q.id && q.kind === kind.value) out.id = q.id;
    if (['choice', 'multi'].includes(kind.value)) {
      out.options = options.value
        .split('\n')
        .map((o) => o.trim())
        .filter(Boolean);
    }
    return out;
  };
  return row;
}

// `/booth/questions`: the booth's lead edits the questions (online: every phone gets them).
export async function boothQuestions(ctx) {
  const session = await staff();
  if (!session) return noBooth();
  const rows = h('ol', { class: 'question-rows' }, session.booth.questions.map(questionRow));
  const error = h('p', { class: 'error', role: 'alert' });
  return h(
    'section',
    {},
    h('h1', {}, t('booth.questions.title')),
    h('p', {}, t('booth.questions.hint')),
    h(
      'form',
      {
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = '';
          const questions = [...rows.children].map((r) => r.value()).filter((q) => q.label);
          try {
            const response = await fetch('/api/booth', {
              method: 'PATCH',
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${session.token}` },
              body: JSON.stringify({ questions }),
            });
            const data = await response.json().catch(() => ({}));
            if (!response.ok) throw new Error((data.error && data.error.message) || String(response.status));
            await setMeta('staff', { ...session, booth: { ...session.booth, ...data } });
            toast(t('booth.questions.saved'));
            await ctx.reload('/booth');
          } catch (err) {
            error.textContent = navigator.onLine ? err.message : t('booth.questions.offline');
          }
        },
      },
      rows,
      h(
        'p',
        { class: 'row' },
        h('a', { class: 'button secondary', href: '/booth' }, t('booth.back')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              if (rows.children.length < 10) rows.append(questionRow({ kind: 'rating', label: '' }));
            },
          },
          t('booth.questions.add'),
        ),
        h('button', { type: 'submit' }, t('booth.questions.save')),
      ),
      error,
    ),
  );
}
