// What this browser offers an installed web app, and what it may take away: which family it is
// (for install instructions where there is no install prompt), whether the app runs installed,
// and guarded calls to the Storage API, which some browsers lack in part or whole.

// 'ios' (every iPhone/iPad browser is WebKit: Share, then Add to Home Screen; storage may be
// erased after 7 days without use), 'safari' (Safari on a Mac: File, then Add to Dock; the same
// 7 days), 'firefox-android' (no install prompt: the menu's Install), or 'other' (Chromium's
// install prompt, or nothing).
export function browserFamily(ua, maxTouchPoints = 0) {
  if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return 'ios';
  const webkit = /AppleWebKit\//.test(ua) && !/(Chrome|Chromium|Edg|OPR|Android)\//.test(ua);
  if (/\bMacintosh\b/.test(ua) && webkit && /Version\/[\d.]+.*Safari\//.test(ua)) {
    return maxTouchPoints > 1 ? 'ios' : 'safari'; // iPadOS asks for the desktop site as a Mac
  }
  if (/\bAndroid\b/.test(ua) && /\bFirefox\//.test(ua)) return 'firefox-android';
  return 'other';
}

export function currentFamily() {
  return browserFamily(navigator.userAgent || '', navigator.maxTouchPoints || 0);
}

// Opened from the home screen or the dock (iOS Safari says so with navigator.standalone).
export function isInstalled() {
  if (navigator.standalone === true) return true;
  if (typeof window.matchMedia !== 'function') return false;
  return ['standalone', 'fullscreen', 'minimal-ui', 'window-controls-overlay'].some(
    (mode) => window.matchMedia(`(display-mode: ${mode})`).matches,
  );
}

// True only when the browser says this site's storage is persisted (absent API: not persisted).
export async function storagePersisted() {
  const storage = navigator.storage;
  if (!storage || typeof storage.persisted !== 'function') return false;
  try {
    return (await storage.persisted()) === true;
  } catch {
    return false;
  }
}

// Ask to keep this site's storage; browsers without navigator.storage.persist just go on.
export async function askPersistence() {
  const storage = navigator.storage;
  if (!storage || typeof storage.persist !== 'function') return false;
  try {
    return (await storage.persist()) === true;
  } catch {
    return false;
  }
}
