// The attendee's language: one catalogue per language (web/i18n/<tag>.json, only the one in use
// is downloaded), plural rules from Intl.PluralRules, and dates, numbers, lists and name order
// from Intl. A catalogue maps a key to a string with {placeholders}, or to an object of plural
// forms ({"one": "…", "other": "…"}, Intl.PluralRules categories) chosen by the `count` param.
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

let current = 'en';
let messages = {};

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

// The language chosen on this device, else null (then the browser's languages decide).
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

export const language = () => current;
export const direction = (tag = current) => (RIGHT_TO_LEFT.has(tag) ? 'rtl' : 'ltr');

// Load a language's catalogue and make it current (the service worker keeps the one fetched).
export async function use(tag) {
  const code = tag in LANGUAGES ? tag : 'en';
  const response = await fetch(`/i18n/${code}.json`);
  if (!response.ok) throw new Error(`no catalogue for ${code} (${response.status})`);
  messages = await response.json();
  current = code;
  document.documentElement.lang = code;
  document.documentElement.dir = direction(code);
  return code;
}

// A message by key, its {placeholders} filled (numbers formatted in the language's digits).
export function t(key, params = {}) {
  let text = messages[key];
  if (text === undefined) return key;
  if (typeof text === 'object') {
    const count = Number(params.count ?? 0);
    text = text[new Intl.PluralRules(current).select(count)] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? fmtNumber(value) : String(value);
  });
}

export const fmtNumber = (n) => new Intl.NumberFormat(current).format(n);
export const fmtList = (items) => new Intl.ListFormat(current, { type: 'conjunction' }).format(items);

// A moment in this language, in the event's time zone when there is one (the phone's otherwise).
export function fmtTime(iso, timeZone) {
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

// Names in the order readers of this language expect.
export const collator = () => new Intl.Collator(current, { sensitivity: 'base', numeric: true });
