// The attendee's side of booths (DESIGN.md section 13): "You shared your card with <booth>" for
// each booth that scanned their badge, with a button to take the card back. Read from the server
// when online and kept on the phone for offline; withdrawing needs the network.
import { h, toast } from './dom.js';
import { api } from './api.js';
import { getMeta, setMeta } from './db.js';
import { fmtTime, t } from './i18n.js';

function item(share, redraw) {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        if (!window.confirm(t('booth.shares.confirm', { booth: share.booth_name }))) return;
        button.disabled = true;
        try {
          await api('DELETE', `/api/me/shares/${encodeURIComponent(share.booth_id)}`);
          const kept = (await getMeta('shares')) || [];
          await setMeta(
            'shares',
            kept.filter((s) => s.booth_id !== share.booth_id),
          );
          toast(t('booth.shares.withdrawn', { booth: share.booth_name }));
          redraw();
        } catch (err) {
          toast(err.status ? err.message : t('booth.shares.offline'));
          button.disabled = false;
        }
      },
    },
    t('booth.shares.withdraw'),
  );
  return h(
    'li',
    { 'data-booth-id': share.booth_id },
    h('span', {}, t('booth.shares.item', { booth: share.booth_name }), ' ', h('small', {}, fmtTime(share.shared_at))),
    button,
  );
}

// A section for the contacts screen: empty (hidden) while no booth holds the card.
export function sharesSection() {
  const list = h('ul', { class: 'shares' });
  const section = h(
    'section',
    { class: 'shares-box', hidden: true },
    h('h2', {}, t('booth.shares.title')),
    h('p', { class: 'small' }, t('booth.shares.hint')),
    list,
  );
  const draw = (shares) => {
    list.replaceChildren(...shares.map((s) => item(s, () => getMeta('shares').then(draw))));
    section.hidden = shares.length === 0;
  };
  getMeta('shares').then((kept) => draw(kept || []));
  if (navigator.onLine) {
    api('GET', '/api/me/shares').then(
      async (data) => {
        await setMeta('shares', data.shares);
        draw(data.shares);
      },
      () => {},
    );
  }
  return section;
}
