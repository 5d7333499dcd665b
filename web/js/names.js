// Names as people of the app's language sort and search them: Intl.Collator order, by the
// card's reading (Japanese kana, Chinese pinyin: `card.reading`) where it gives one, and a search
// that ignores letter case, width (full-width Ｔａｒｏ, half-width ｶﾅ), Latin accents (Muller
// finds Müller, and Mueller too, as Germans type it), Arabic vowel marks and letter variants, and
// hiragana/katakana. The server's `q` folds the same way (server/textfold.py), so an export of a
// searched list holds what the list shows.
import { collator } from './i18n.js';

// What a card sorts by: its reading (family name first, as readings are written), else its name.
export function sortKey(card) {
  const r = (card && card.reading) || {};
  const reading = [r.family, r.given].filter(Boolean).join(' ');
  return reading || (card && card.fn) || '';
}

export const compareCards = (a, b) => collator().compare(sortKey(a), sortKey(b));

const LATIN_MARKS = /(\p{Script=Latin})\p{M}+/gu;
const ARABIC_MARKS = /[\u064B-\u065F\u0670\u0640]/g; // harakat, superscript alef, tatweel
const ALEF = /[\u0622\u0623\u0625\u0671]/g; // آ أ إ ٱ are searched as ا
const KATAKANA = /[\u30A1-\u30F6]/g;
const UMLAUTS = { ä: 'ae', ö: 'oe', ü: 'ue' };

// Text as the search compares it (the haystack and what was typed, folded alike).
export function fold(text) {
  return String(text || '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(KATAKANA, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60))
    .replace(ARABIC_MARKS, '')
    .replace(ALEF, '\u0627')
    .replace(/\u0649/g, '\u064A') // alef maksura as yeh, as Arabic search does
    .normalize('NFD')
    .replace(LATIN_MARKS, '$1')
    .normalize('NFC');
}

// The forms a reader may type: Müller as muller or as mueller.
export function variants(text) {
  const plain = fold(text);
  const spelled = fold(
    String(text || '')
      .normalize('NFC')
      .toLowerCase()
      .replace(/[äöü]/g, (ch) => UMLAUTS[ch]),
  );
  return spelled === plain ? [plain] : [plain, spelled];
}

// A folded haystack: each variant of the text (joined by a line no term can span).
export const searchable = (text) => variants(text).join('\n\u0000\n');

// Whether a folded haystack holds what was typed.
export function matches(haystack, term) {
  const needles = variants(String(term).trim()).filter(Boolean);
  return !needles.length || needles.some((n) => haystack.includes(n));
}
