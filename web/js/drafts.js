// The follow-up and introduction emails the app drafts (mailto: subject and body), written in the
// language of the person writing them: the app's current language, whatever the other person's.
import { t } from './i18n.js';

// A plain-text email: names go in as written, without the isolation marks the screen uses.
const plain = (text) => text.replace(/[\u2068\u2069]/g, '');

export function followUpDraft(card, me, event) {
  const p = { name: card.fn, me: me.fn, event: event || '' };
  if (!event) return { subject: plain(t('draft.follow_subject_no_event', p)), body: plain(t('draft.follow_body_no_event', p)) };
  return { subject: plain(t('draft.follow_subject', p)), body: plain(t('draft.follow_body', p)) };
}

export function introductionDraft(a, b, me, event) {
  const p = { a: a.fn, b: b.fn, me: me.fn, event: event || '' };
  const subject = plain(t('draft.intro_subject', p));
  return { subject, body: plain(event ? t('draft.intro_body', p) : t('draft.intro_body_no_event', p)) };
}
