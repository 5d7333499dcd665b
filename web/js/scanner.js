// The camera as a QR reader, shared by the attendee's Scan screen and the booth's: the rear
// camera, read continuously (BarcodeDetector where the browser has it, else jsQR on canvas
// frames), each code handed on once; the same code seen again within a few seconds is a repeat.
import { loadScript } from './dom.js';

const REPEAT_MS = 4000;
const FRAME_MS = 120;

export async function makeDecoder() {
  if ('BarcodeDetector' in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes('qr_code')) {
        const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
        return async (video) => {
          const codes = await detector.detect(video);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    } catch {
      /* fall back to jsQR */
    }
  }
  await loadScript('/vendor/jsqr/jsQR.js');
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const w = video.videoWidth;
    const hgt = video.videoHeight;
    if (!w || !hgt) return null;
    canvas.width = w;
    canvas.height = hgt;
    g.drawImage(video, 0, 0, w, hgt);
    const code = window.jsQR(g.getImageData(0, 0, w, hgt).data, w, hgt, { inversionAttempts: 'attemptBoth' });
    return code ? code.data : null;
  };
}

// Start the camera into `video` and read it until the returned stop() is called: onReady() once
// reading, onText(text) for each new code (awaited before the next frame), onError(err) when
// there is no camera.
export function watchCamera(video, { onText, onReady = () => {}, onError = () => {} }) {
  let stream = null;
  let stopped = false;
  let last = { text: '', at: 0 };
  (async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      if (stopped) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      video.muted = true; // what lets a browser play it without a tap
      video.srcObject = stream;
      await video.play().catch(() => {});
      const decode = await makeDecoder();
      onReady();
      const tick = async () => {
        if (stopped) return;
        // A camera that answers at once can be started before the screen is on the page, and a
        // video not yet on the page may stay paused: start it again once it is there.
        if (video.paused && video.isConnected) video.play().catch(() => {});
        try {
          const text = await decode(video);
          const now = Date.now();
          if (text && !(text === last.text && now - last.at < REPEAT_MS)) {
            last = { text, at: now };
            await onText(text);
          } else if (text) last.at = now;
        } catch {
          /* a frame that could not be read */
        }
        setTimeout(tick, FRAME_MS);
      };
      tick();
    } catch (err) {
      onError(err);
    }
  })();
  return () => {
    stopped = true;
    if (stream) for (const t of stream.getTracks()) t.stop();
  };
}
