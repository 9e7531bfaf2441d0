import { ACCOUNT_TOKEN_TTL_MS, BILLING_TOKEN_TTL_MS, signToken } from './tokens.ts';

type LinkConfig = { publicUrl: string; appSecret: string };

/** The signed links every email to a reader carries, built from PUBLIC_URL. Only ever sent by mail. */
export function readerLinks(config: LinkConfig, readerId: string, now: number) {
  return {
    unsubscribe_url: `${config.publicUrl}/unsubscribe/${signToken(config.appSecret, 'unsubscribe', readerId)}`,
    billing_url: `${config.publicUrl}/billing/${signToken(config.appSecret, 'billing', readerId, now + BILLING_TOKEN_TTL_MS)}`,
  };
}

/** The reader's own page (status, billing, digest on/off): mailed on request, never shown in an answer. */
export function accountUrl(config: LinkConfig, readerId: string, now: number): string {
  return `${config.publicUrl}/account/${signToken(config.appSecret, 'account', readerId, now + ACCOUNT_TOKEN_TTL_MS)}`;
}

const domains = new Map<string, string>();
/** The domain used in Message-IDs, so they are globally unique per installation. */
export function messageIdDomain(publicUrl: string): string {
  // Asked once per message sent: parse PUBLIC_URL once.
  let domain = domains.get(publicUrl);
  if (domain === undefined) domains.set(publicUrl, (domain = new URL(publicUrl).hostname || 'localhost'));
  return domain;
}

/**
 * "View in your browser": that edition as this reader received it (their own links in it), behind a
 * signed link that never expires, like the unsubscribe link in the same mail.
 */
export function viewUrl(config: LinkConfig, readerId: string, edition: string): string {
  return `${config.publicUrl}/view/${signToken(config.appSecret, 'view', readerId, undefined, edition)}`;
}
