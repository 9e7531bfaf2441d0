import { ACCOUNT_TOKEN_TTL_MS, BILLING_TOKEN_TTL_MS, signToken } from './tokens.ts';

type LinkConfig = { publicUrl: string; appSecret: string };

/** The signed links every email to a reader carries, built from PUBLIC_URL. Only ever sent by mail. */
export async function readerLinks(config: LinkConfig, readerId: string, now: number) {
  const [unsubscribe, billing] = await Promise.all([
    signToken(config.appSecret, 'unsubscribe', readerId),
    signToken(config.appSecret, 'billing', readerId, now + BILLING_TOKEN_TTL_MS),
  ]);
  return {
    unsubscribe_url: `${config.publicUrl}/unsubscribe/${unsubscribe}`,
    billing_url: `${config.publicUrl}/billing/${billing}`,
  };
}

/** The reader's own page (status, billing, digest on/off): mailed on request, never shown in an answer. */
export async function accountUrl(config: LinkConfig, readerId: string, now: number): Promise<string> {
  return `${config.publicUrl}/account/${await signToken(config.appSecret, 'account', readerId, now + ACCOUNT_TOKEN_TTL_MS)}`;
}

/** The domain used in Message-IDs, so they are globally unique per installation. */
export function messageIdDomain(publicUrl: string): string {
  return new URL(publicUrl).hostname || 'localhost';
}

/**
 * "View in your browser": that edition as this reader received it (their own links in it), behind a
 * signed link that never expires, like the unsubscribe link in the same mail.
 */
export async function viewUrl(config: LinkConfig, readerId: string, edition: string): Promise<string> {
  return `${config.publicUrl}/view/${await signToken(config.appSecret, 'view', readerId, undefined, edition)}`;
}
