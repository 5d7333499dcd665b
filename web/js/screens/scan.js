// Scan: the camera (js/scanner.js) reads QR codes continuously. Our card URLs become verified
// swaps; vCard/MECARD QR codes external contacts; other links are shown, never followed.
import { field, h, toast } from '../dom.js';
import { classify } from '../parse.js';
import { addExternal, swapFromToken } from '../actions.js';
import { watchCamera } from '../scanner.js';
import { savedPanel } from '../widgets.js';
import { t } from '../i18n.js';
import { messageOf } from '../errors.js';

// Why getUserMedia gave no camera, in words (its DOMException names; others as the browser says).
const CAMERA_ERRORS = {
  NotAllowedError: () => t('scan.camera_denied'),
  NotFoundError: () => t('scan.camera_none'),
  NotReadableError: () => t('scan.camera_busy'),
  SecurityError: () => t('scan.camera_insecure'),
};

export async function handleScanText(text, method, result) {
  const started = performance.now();
  const kind = classify(text);
  try {
    if (kind.kind === 'card') {
      const { contact, already } = await swapFromToken(kind.token, method);
      result.replaceChildren(savedPanel(contact, performance.now() - started, already));
    } else if (kind.kind === 'vcard') {
      const { contact, already } = await addExternal(kind.text, kind.card, method === 'nfc' ? 'manual' : 'qr');
      result.replaceChildren(savedPanel(contact, performance.now() - started, already));
    } else if (kind.kind === 'url') {
      result.replaceChildren(
        h('section', { class: 'other' }, h('p', {}, t('scan.holds_link')), h('p', { class: 'wrap' }, h('code', { dir: 'ltr' }, kind.text))),
      );
      return;
    } else {
      result.replaceChildren(
        h('section', { class: 'other' }, h('p', {}, t('scan.holds_text')), h('p', { class: 'wrap', dir: 'auto' }, kind.text)),
      );
      return;
    }
    if (navigator.vibrate) navigator.vibrate(80);
    result.classList.remove('flash');
    void result.offsetWidth;
    result.classList.add('flash');
  } catch (err) {
    result.replaceChildren(h('p', { class: 'error', role: 'alert' }, messageOf(err)));
  }
}

export async function scan(ctx) {
  if (!ctx.session) return ctx.go('/', true);
  const video = h('video', { playsinline: true, muted: true, autoplay: true, 'aria-label': t('scan.camera') });
  const result = h('div', { class: 'scan-result', 'aria-live': 'polite' });
  const status = h('p', { class: 'small' }, t('scan.starting'));
  const stop = watchCamera(video, {
    onReady: () => {
      status.textContent = t('scan.point');
    },
    onError: (err) => {
      const reason = CAMERA_ERRORS[err && err.name];
      status.textContent = t('scan.no_camera', { reason: reason ? reason() : err.message });
    },
    onText: (text) => handleScanText(text, 'qr', result),
  });
  ctx.onLeave(stop);
  const nfc =
    'NDEFReader' in window
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              try {
                const reader = new window.NDEFReader();
                await reader.scan();
                toast(t('scan.nfc_hold'));
                reader.onreading = (event) => {
                  for (const record of event.message.records) {
                    if (record.recordType === 'url' || record.recordType === 'text') {
                      handleScanText(new TextDecoder().decode(record.data), 'nfc', result);
                    }
                  }
                };
              } catch (err) {
                toast(t('scan.nfc_failed', { reason: err.message }));
              }
            },
          },
          t('scan.nfc'),
        )
      : null;
  return h(
    'section',
    { class: 'scan' },
    h('h1', {}, t('scan.title')),
    h('div', { class: 'video-box' }, video),
    status,
    nfc,
    result,
    manualForm(result),
  );
}

const vEscape = (v) =>
  v
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/([,;])/g, '\\$1');

// No camera, or a paper card: type it in (an unverified contact, method `manual`).
function manualForm(result) {
  const fields = {
    fn: h('input', { required: true, maxlength: 200 }),
    org: h('input', { maxlength: 200 }),
    email: h('input', { type: 'email', dir: 'ltr' }),
    phone: h('input', { type: 'tel', dir: 'ltr' }),
  };
  const body = h(
    'form',
    {
      class: 'manual',
      onsubmit: async (e) => {
        e.preventDefault();
        const v = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value.trim()]));
        const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${vEscape(v.fn)}`];
        if (v.org) lines.push(`ORG:${vEscape(v.org)}`);
        if (v.email) lines.push(`EMAIL:${vEscape(v.email)}`);
        if (v.phone) lines.push(`TEL:${vEscape(v.phone)}`);
        lines.push('END:VCARD');
        const card = {
          fn: v.fn,
          org: v.org,
          title: '',
          emails: v.email ? [v.email] : [],
          phones: v.phone ? [v.phone] : [],
          urls: [],
          note: '',
        };
        const { contact, already } = await addExternal(`${lines.join('\r\n')}\r\n`, card, 'manual');
        result.replaceChildren(savedPanel(contact, null, already));
        body.reset();
        result.scrollIntoView({ block: 'start' });
      },
    },
    field(t('card.name'), fields.fn),
    field(t('card.org'), fields.org),
    field(t('scan.email'), fields.email),
    field(t('scan.phone'), fields.phone),
    h('button', { type: 'submit' }, t('scan.add')),
  );
  return h('details', { class: 'manual-box' }, h('summary', {}, t('scan.by_hand')), body);
}
