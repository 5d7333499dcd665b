// Classifying scanned text, and a tiny vCard/MECARD reader for the preview shown until the
// server's parsed card arrives through sync (the server keeps the original text).
import { cardTokenFromUrl } from './cardtoken.js';

function unescape(value) {
  return value.replace(/\\([nN,;:\\])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
}

function splitUnescaped(text, sep) {
  const parts = [];
  let cur = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i += 1;
      continue;
    }
    if (c === sep) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

function emptyCard() {
  return { fn: '', given: '', family: '', org: '', title: '', emails: [], phones: [], urls: [], note: '' };
}

// The fields vCard and MECARD write alike (N differs in both, ORG in vCard: read before this).
function addCommon(card, name, v) {
  if (name === 'ORG') card.org = v;
  else if (name === 'TITLE') card.title = v;
  else if (name === 'EMAIL' && v) card.emails.push(v);
  else if (name === 'TEL' && v) card.phones.push(v);
  else if (name === 'URL' && v) card.urls.push(v);
  else if (name === 'NOTE') card.note = v;
}

function finish(card) {
  if (!card.fn) card.fn = [card.given, card.family].filter(Boolean).join(' ');
  if (!card.fn) card.fn = card.org || card.emails[0] || 'Unknown';
  return card;
}

export function parseVcard(text) {
  const card = emptyCard();
  const lines = text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).split(';')[0].split('.').pop().toUpperCase();
    const value = line.slice(colon + 1);
    const v = unescape(value).trim();
    if (name === 'FN') card.fn = v;
    else if (name === 'N') {
      const [family = '', given = ''] = splitUnescaped(value, ';').map((p) => unescape(p).trim());
      card.family = family;
      card.given = given;
    } else if (name === 'ORG') card.org = unescape(splitUnescaped(value, ';')[0]).trim();
    else addCommon(card, name, v);
  }
  return finish(card);
}

export function parseMecard(text) {
  const card = emptyCard();
  const body = text.replace(/^MECARD:/i, '');
  for (const part of splitUnescaped(body, ';')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).toUpperCase();
    const value = part.slice(colon + 1);
    const v = unescape(value).trim();
    if (name === 'N') {
      const [family = '', given = ''] = splitUnescaped(value, ',').map((p) => unescape(p).trim());
      card.family = family;
      card.given = given;
    } else addCommon(card, name, v);
  }
  return finish(card);
}

export function classify(text) {
  const trimmed = text.trim();
  const token = cardTokenFromUrl(trimmed);
  if (token) return { kind: 'card', token };
  if (/^BEGIN:VCARD/i.test(trimmed)) return { kind: 'vcard', text: trimmed, card: parseVcard(trimmed) };
  if (/^MECARD:/i.test(trimmed)) return { kind: 'vcard', text: trimmed, card: parseMecard(trimmed) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return { kind: 'url', text: trimmed };
  return { kind: 'text', text: trimmed };
}
