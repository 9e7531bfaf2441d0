/** Words and colours for states, shared by the console's pages (a pill always carries the word). */
export type Tone = 'ok' | 'warn' | 'bad' | '';

const SUBSCRIPTION: Record<string, [string, Tone]> = {
  active: ['Active', 'ok'],
  trialing: ['Trialing', 'ok'],
  past_due: ['Past due', 'warn'],
  unpaid: ['Unpaid', 'bad'],
  incomplete: ['Incomplete', 'warn'],
  incomplete_expired: ['Expired', ''],
  canceled: ['Canceled', ''],
  paused: ['Paused', 'warn'],
};

/** A Stripe subscription status; null: never paid. A status Stripe adds one day shows as Stripe names it. */
export function subscriptionLabel(status: string | null): { label: string; tone: Tone } {
  if (status === null) return { label: 'Never paid', tone: '' };
  const [label, tone] = SUBSCRIPTION[status] ?? [status, ''];
  return { label, tone };
}

export const SUBSCRIPTION_FILTERS = [
  { value: '', label: 'Any' },
  ...Object.entries(SUBSCRIPTION).map(([value, [label]]) => ({ value, label })),
  { value: 'none', label: 'Never paid' },
];

export const DIGEST_FILTERS = [
  { value: '', label: 'Any' },
  { value: 'receiving', label: 'Receiving' },
  { value: 'unsubscribed', label: 'Unsubscribed' },
  { value: 'suppressed', label: 'Suppressed' },
];

/** Why a reader gets the digest or not, in the order that decides it. */
export function digestLabel(r: { entitled: boolean; unsubscribed: boolean; suppressed: boolean }): { label: string; tone: Tone } {
  if (r.suppressed) return { label: 'Suppressed', tone: 'bad' };
  if (r.unsubscribed) return { label: 'Unsubscribed', tone: 'warn' };
  if (!r.entitled) return { label: 'Not entitled', tone: '' };
  return { label: 'Receiving', tone: 'ok' };
}

const DELIVERY: Record<string, [string, Tone]> = {
  sent: ['Sent', 'ok'],
  pending: ['Pending', 'warn'],
  sending: ['Sending', 'warn'],
  failed: ['Failed', 'bad'],
  skipped: ['Skipped', ''],
};

export function deliveryLabel(status: string): { label: string; tone: Tone } {
  const [label, tone] = DELIVERY[status] ?? [status, ''];
  return { label, tone };
}

export const SUPPRESSION_REASONS: Record<string, string> = { bounce: 'Bounce', complaint: 'Complaint', staff: 'Staff' };
export const SUPPRESSION_SOURCES: Record<string, string> = { send: 'refused while sending', notification: 'reported by SES', staff: 'added by staff' };

/** A price as staff read it: €4.99 / month, × 2. */
export function priceLabel(money: (minor: number, currency: string) => string, p: { unit_amount: number | null; currency: string | null; quantity: number; interval: string | null; interval_count: number }): string {
  if (p.unit_amount === null || p.currency === null) return '—';
  const every = p.interval ? (p.interval_count > 1 ? ` / ${p.interval_count} ${p.interval}s` : ` / ${p.interval}`) : '';
  return `${money(p.unit_amount, p.currency)}${every}${p.quantity !== 1 ? ` × ${p.quantity}` : ''}`;
}
