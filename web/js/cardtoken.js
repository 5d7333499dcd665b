// Offline decoding of cardswap card tokens (server/tokens.py `card_token`): base32 (any case) of
// UTF-8 fields joined by "\n" plus a 10-byte HMAC. Fields: format "1", attendee id, event slug,
// card version, fn, org, title, email, phone, url. Only the server can check the signature.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SIG_BYTES = 10;

export function base32Decode(text) {
  const clean = text.trim().toUpperCase().replace(/=+$/, '');
  if (!clean || !/^[A-Z2-7]+$/.test(clean)) return null;
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    value = (value << 5) | ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export function decodeCardToken(token) {
  const raw = base32Decode(token);
  if (!raw || raw.length <= SIG_BYTES) return null;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw.slice(0, raw.length - SIG_BYTES));
  } catch {
    return null;
  }
  const f = text.split('\n');
  while (f.length < 10) f.push('');
  if (f[0] !== '1' || !f[1] || !/^\d+$/.test(f[3])) return null;
  const list = (v) => (v ? [v] : []);
  return {
    token: token.toLowerCase(),
    attendee_id: f[1],
    event_slug: f[2],
    card_version: Number(f[3]),
    card: { fn: f[4], org: f[5], title: f[6], emails: list(f[7]), phones: list(f[8]), urls: list(f[9]) },
  };
}

// The token of a card URL (`http://host/c/<token>`, in any letter case), or null.
export function cardTokenFromUrl(text) {
  const m = /^https?:\/\/[^/\s]+\/c\/([a-z2-7]+)\/?$/i.exec(text.trim());
  if (!m || !decodeCardToken(m[1])) return null;
  return m[1].toLowerCase();
}
