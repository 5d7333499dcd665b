// What the server's refusals say, in the app's language: its error `code` (DESIGN.md section 5)
// picks a message here; the server's own English `message` is shown only for a code the app does
// not know yet. Each key is written out (the catalogue test reads them from this file).
import { t } from './i18n.js';

const BY_CODE = {
  malformed: () => t('error.malformed'),
  unauthorized: () => t('error.unauthorized'),
  attendee_deleted: () => t('error.attendee_deleted'),
  forbidden: () => t('error.forbidden'),
  bad_origin: () => t('error.bad_origin'),
  bad_join_code: () => t('error.bad_join_code'),
  not_found: () => t('error.not_found'),
  event_not_found: () => t('error.event_not_found'),
  contact_not_found: () => t('error.contact_not_found'),
  app_password_not_found: () => t('error.app_password_not_found'),
  too_large: () => t('error.too_large'),
  unsupported_media_type: () => t('error.unsupported_media_type'),
  not_an_image: () => t('error.not_an_image'),
  too_many_pixels: () => t('error.too_many_pixels'),
  invalid_vcard: () => t('error.invalid_vcard'),
  too_many_app_passwords: () => t('error.too_many_app_passwords'),
  https_required: () => t('error.https_required'),
  rate_limited: () => t('error.rate_limited'),
  busy: () => t('error.busy'),
  internal_error: () => t('error.internal_error'),
  // Sync rejections (a problem on the problems list).
  self_exchange: () => t('error.self_exchange'),
  card_withdrawn: () => t('error.card_withdrawn'),
  invalid_token: () => t('error.invalid_token'),
  unknown_contact: () => t('error.unknown_contact'),
  duplicate_op_id: () => t('error.duplicate_op_id'),
  invalid_op: () => t('error.invalid_op'),
  refused: () => t('error.photo_refused'),
};

// A field-level refusal names the field the person typed in.
const FIELDS = {
  'card.fn': () => t('card.name'),
  'card.pronouns': () => t('card.pronouns'),
  'card.org': () => t('card.org'),
  'card.title': () => t('card.title'),
  'card.emails': () => t('card.emails'),
  'card.phones': () => t('card.phones'),
  'card.urls': () => t('card.links'),
  'card.note': () => t('card.note'),
  'card.socials': () => t('card.socials'),
  'card.reading': () => t('card.reading'),
  join_code: () => t('join.code'),
  label: () => t('addressbook.label'),
};

// The message for an error body's fields ({code, message, field}), in the app's language.
export function describe({ code = '', message = '', field = '' } = {}) {
  if (BY_CODE[code]) return BY_CODE[code]();
  if (code === 'invalid_field' || code === 'invalid_vcard') {
    const name = Object.entries(FIELDS).find(([path]) => field === path || field.startsWith(`${path}.`));
    if (name) return t('error.invalid_field_named', { field: name[1]() });
  }
  return message || t('error.unknown');
}

// A thrown error's text for a person: an ApiError by its code, a network failure as such.
export function messageOf(err) {
  if (err && typeof err.code === 'string' && 'status' in err) {
    if (!err.code) return t('error.server_status', { status: String(err.status) });
    return describe({ code: err.code, message: err.message, field: err.field || '' });
  }
  if (err instanceof TypeError) return t('error.network'); // fetch's "Failed to fetch"
  if (err && err.name === 'QuotaExceededError') return t('error.storage_full');
  if (err && (err.name === 'NotSaved' || err.name === 'AbortError' || err.name === 'UnknownError')) return t('error.not_saved');
  return (err && err.message) || t('error.unknown');
}
