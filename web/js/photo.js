// The card photo picker (loaded when a picture is chosen): crop it square (drag, arrow keys,
// zoom), draw it at 512 px or less and encode it as WebP (else JPEG) of ~40 KB or less.
import { h } from './dom.js';
import { t } from './i18n.js';

export const toDataUrl = (blob) =>
  new Promise((ok, no) => {
    const r = new FileReader();
    r.onload = () => ok(r.result);
    r.onerror = no;
    r.readAsDataURL(blob);
  });

async function decode(file) {
  try {
    return await createImageBitmap(file); // upright by its EXIF orientation
  } catch {
    const img = new Image(); // the CSP allows data: images, not blob: ones
    img.src = await toDataUrl(file);
    await img.decode();
    return img;
  }
}

// Lower the quality, then the size, until the file fits; WebP where the browser writes it.
export async function encode(src, c) {
  let best = null;
  for (let side = Math.min(512, Math.round(c.side)); side >= 128; side = Math.round(side * 0.75)) {
    const canvas = h('canvas', { width: side, height: side });
    canvas.getContext('2d').drawImage(src, c.x, c.y, c.side, c.side, 0, 0, side, side);
    for (const type of ['image/webp', 'image/jpeg']) {
      for (const q of [0.82, 0.7, 0.58, 0.46]) {
        const blob = await new Promise((ok) => canvas.toBlob(ok, type, q));
        if (!blob || blob.type !== type) break;
        if (!best || blob.size < best.size) best = blob;
        if (blob.size <= 40960) return blob;
      }
      if (best) break;
    }
  }
  return best;
}

// The cropper in `box`: resolves with the encoded Blob, or null when cancelled.
export async function cropPhoto(file, box) {
  const src = await decode(file);
  let [zoom, cx, cy, last] = [1, src.width / 2, src.height / 2, null];
  const view = h('canvas', {
    width: 288,
    height: 288,
    class: 'crop',
    tabindex: 0,
    'aria-label': t('photo.frame'),
  });
  const crop = () => {
    const side = Math.min(src.width, src.height) / zoom;
    cx = Math.min(Math.max(cx, side / 2), src.width - side / 2);
    cy = Math.min(Math.max(cy, side / 2), src.height - side / 2);
    return { x: cx - side / 2, y: cy - side / 2, side };
  };
  const draw = (dx = 0, dy = 0) => {
    const s = crop().side / view.clientWidth;
    cx -= dx * s;
    cy -= dy * s;
    const c = crop();
    view.getContext('2d').drawImage(src, c.x, c.y, c.side, c.side, 0, 0, 288, 288);
  };
  view.onpointerdown = (e) => {
    last = e;
    view.setPointerCapture(e.pointerId);
  };
  view.onpointermove = (e) => {
    if (!last) return;
    draw(e.clientX - last.clientX, e.clientY - last.clientY);
    last = e;
  };
  view.onpointerup = () => (last = null);
  view.onkeydown = (e) => {
    const d = { ArrowLeft: [9, 0], ArrowRight: [-9, 0], ArrowUp: [0, 9], ArrowDown: [0, -9] }[e.key];
    if (!d) return;
    e.preventDefault();
    draw(...d);
  };
  const zoomer = h('input', { type: 'range', min: 1, max: 4, step: 0.05, value: 1, 'aria-label': t('photo.zoom') });
  zoomer.oninput = () => {
    zoom = Number(zoomer.value);
    draw();
  };
  return new Promise((resolve) => {
    const done = async (ok) => {
      const out = ok ? await encode(src, crop()) : null;
      box.replaceChildren();
      resolve(out);
    };
    const use = h('button', { type: 'button', onclick: () => done(true) }, t('photo.use'));
    box.replaceChildren(
      view,
      zoomer,
      h('p', { class: 'row' }, use, h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, t('photo.cancel'))),
    );
    draw();
    view.focus();
  });
}
