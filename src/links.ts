import { BILLING_TOKEN_TTL_MS, signToken } from './tokens.ts';

/** The signed links every email to a reader carries, built from PUBLIC_URL. */
export async function readerLinks(config: { publicUrl: string; appSecret: string }, readerId: string, now: number) {
  const [unsubscribe, billing] = await Promise.all([
    signToken(config.appSecret, 'unsubscribe', readerId),
    signToken(config.appSecret, 'billing', readerId, now + BILLING_TOKEN_TTL_MS),
  ]);
  return {
    unsubscribe_url: `${config.publicUrl}/unsubscribe/${unsubscribe}`,
    billing_url: `${config.publicUrl}/billing/${billing}`,
  };
}

/** The display name of MAIL_FROM ("Gazette <digest@…>" → "Gazette"): the publication's name in mail. */
export function publicationName(mailFrom: string): string {
  const m = /^\s*"?([^"<]+?)"?\s*</.exec(mailFrom);
  return m?.[1]?.trim() || 'Gazette';
}

/** The domain used in Message-IDs, so they are globally unique per installation. */
export function messageIdDomain(publicUrl: string): string {
  return new URL(publicUrl).hostname || 'localhost';
}
