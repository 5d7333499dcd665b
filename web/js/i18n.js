// The attendee's language: one catalogue per language (web/i18n/<tag>.json, only the one in use
// is downloaded; the service worker keeps it), plural rules from Intl.PluralRules, and dates,
// numbers, lists and name order from Intl. A catalogue maps a key to a string with
// {placeholders}, or to an object of plural forms ({"one": "…", "other": "…"}, the language's
// Intl.PluralRules categories) chosen by the `count` param. No DOM at import: the service worker
// imports the sync module, which imports nothing from here.
export const LANGUAGES = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  ja: '日本語',
  'zh-Hans': '简体中文',
  ar: 'العربية',
};
const RIGHT_TO_LEFT = new Set(['ar']);
const CHOICE_KEY = 'cardswap.language'; // this device's choice, kept across sign-outs
// First strong isolate … pop directional isolate: a name or a number inside a sentence keeps
// its own direction (a Latin name in an Arabic sentence, an Arabic name in a German one).
const FSI = '\u2068';
const PDI = '\u2069';

let current = 'en';
let messages = {};
let zone; // the event's IANA time zone; undefined: the phone's own
const loaded = new Map(); // catalogues fetched this page: a switch back needs no request
const listeners = new Set();

// A catalogue that could not be fetched (offline, and never downloaded on this phone).
export class CatalogueUnavailable extends Error {
  constructor(tag) {
    super(`no catalogue for ${tag}`);
    this.tag = tag;
  }
}

// The supported language closest to a list of BCP 47 tags (navigator.languages order), else en.
export function match(tags) {
  for (const raw of tags || []) {
    const tag = String(raw).trim();
    if (!tag) continue;
    const exact = Object.keys(LANGUAGES).find((code) => code.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const [base, ...rest] = tag.toLowerCase().split(/[-_]/);
    if (base === 'zh') {
      // Simplified Chinese is written in mainland China and Singapore; Traditional is not offered.
      if (rest.includes('hant') || rest.includes('tw') || rest.includes('hk') || rest.includes('mo')) continue;
      return 'zh-Hans';
    }
    if (base === 'pt') return 'pt-BR';
    if (base in LANGUAGES) return base;
  }
  return 'en';
}

// The language chosen on this device, else null (then the account, then the browser decide).
export function chosen() {
  try {
    const tag = localStorage.getItem(CHOICE_KEY);
    return tag in LANGUAGES ? tag : null;
  } catch {
    return null;
  }
}

export function remember(tag) {
  try {
    if (tag) localStorage.setItem(CHOICE_KEY, tag);
    else localStorage.removeItem(CHOICE_KEY);
  } catch {
    /* private mode: the choice lasts this page */
  }
}

// What the app starts in: this device's choice, else the account's setting, else the browser's.
export function preferred(accountLanguage = null) {
  return chosen() || (accountLanguage in LANGUAGES ? accountLanguage : null) || match(navigator.languages);
}

export const language = () => current;
export const direction = (tag = current) => (RIGHT_TO_LEFT.has(tag) ? 'rtl' : 'ltr');

async function load(code) {
  if (loaded.has(code)) return loaded.get(code);
  let response;
  try {
    response = await fetch(`/i18n/${code}.json`, { cache: 'no-cache' }); // a deploy's new words
  } catch {
    throw new CatalogueUnavailable(code);
  }
  if (!response.ok) throw new CatalogueUnavailable(code);
  const catalogue = await response.json();
  loaded.set(code, catalogue);
  return catalogue;
}

// Whether switching to `tag` needs no network: fetched this page, or kept by the service worker.
export async function available(tag) {
  if (loaded.has(tag)) return true;
  if (typeof caches === 'undefined') return false;
  return Boolean(await caches.match(`/i18n/${tag}.json`).catch(() => null));
}

// Load a language's catalogue and make it current; CatalogueUnavailable when it cannot be had.
// `page`: set <html lang dir> too (not on a server page that has a language of its own).
export async function use(tag, { page = true } = {}) {
  const code = tag in LANGUAGES ? tag : 'en';
  messages = await load(code);
  current = code;
  if (page && typeof document !== 'undefined') {
    document.documentElement.lang = code;
    document.documentElement.dir = direction(code);
  }
  for (const fn of listeners) fn(code);
  return code;
}

// At start: the preferred language, else English, else whatever this phone holds.
export async function start(accountLanguage = null, options = {}) {
  for (const tag of new Set([preferred(accountLanguage), 'en', ...Object.keys(LANGUAGES)])) {
    try {
      return await use(tag, options);
    } catch {
      /* not on this phone and no network: the next */
    }
  }
  return current; // no catalogue at all: keys show
}

export function onLanguageChange(fn) {
  listeners.add(fn);
}

// A message by key, its {placeholders} filled (numbers formatted in the language's digits).
export function t(key, params = {}) {
  let text = messages[key];
  if (text === undefined) return key;
  if (typeof text === 'object') {
    const count = Number(params.count ?? 0);
    text = text[new Intl.PluralRules(current).select(count)] ?? text.other;
  }
  const isolate = direction() === 'rtl';
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (typeof value === 'number') return fmtNumber(value);
    return isolate ? FSI + String(value) + PDI : String(value);
  });
}

export const fmtNumber = (n) => new Intl.NumberFormat(current).format(n);
// A list as the language writes it ("a, b and c"; Intl.ListFormat is missing before Safari 14.1).
export const fmtList = (items, type = 'conjunction') =>
  Intl.ListFormat ? new Intl.ListFormat(current, { type }).format(items) : items.join(', ');

// The event's time zone for every date and time shown (an unknown name: the phone's zone).
export function setTimeZone(name) {
  zone = undefined;
  if (!name) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name }).format(0);
    zone = name;
  } catch {
    /* a zone this browser does not know */
  }
}
export const timeZone = () => zone;

// A moment in this language, in the event's time zone when there is one (the phone's otherwise).
export function fmtTime(iso, timeZone = zone) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const options = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return d.toLocaleString(current, timeZone ? { ...options, timeZone } : options);
  } catch {
    return d.toLocaleString(current, options); // an unknown zone name
  }
}

// A calendar day (YYYY-MM-DD, a follow-up date): the same day in every time zone.
export function fmtDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return ymd || '';
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeZone: 'UTC' }).format(day);
}

// Names in the order readers of this language expect (one collator per language).
const collators = new Map();
export function collator() {
  if (!collators.has(current)) collators.set(current, new Intl.Collator(current, { sensitivity: 'base', numeric: true }));
  return collators.get(current);
}
