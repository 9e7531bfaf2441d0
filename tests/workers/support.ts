import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import Stripe from 'stripe';
import worker from '../../src/worker.ts';
import { PRICE_ID } from '../support/stripe-objects.ts';

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const BASE = 'https://news.example.com';

/** A request into the Worker's fetch handler, deferred work (welcome mail) included. */
export async function request(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The Stripe-compatible server the Worker calls (STRIPE_API_BASE), driven from here. */
export const stripe = {
  async put(collection: 'customers' | 'subscriptions' | 'prices' | 'products', object: { id: string }) {
    await fetch(`${env.STRIPE_API_BASE}/__fake/${collection}/${object.id}`, { method: 'PUT', body: JSON.stringify(object) });
  },
  async reset() {
    await fetch(`${env.STRIPE_API_BASE}/__fake/reset`, { method: 'POST' });
    await stripe.put('products', { id: 'prod_digest', object: 'product', name: 'Digital access + daily digest' } as { id: string });
    await stripe.put('prices', { id: PRICE_ID, object: 'price', product: 'prod_digest', unit_amount: 499, currency: 'eur', recurring: { interval: 'month', interval_count: 1 }, active: true } as { id: string });
  },
  async requests(): Promise<{ method: string; path: string; params: Record<string, string> }[]> {
    return (await fetch(`${env.STRIPE_API_BASE}/__fake/requests`)).json();
  },
};

export interface SesMessage {
  to: string[];
  messageId: string;
  subject: string;
  text: string;
  html: string;
  listUnsubscribe: unknown;
  edition: string | null;
}

/** The SES-compatible endpoint the Worker sends through (SES_ENDPOINT): what arrived, and misbehaviour on cue. */
export const ses = {
  async messages(): Promise<SesMessage[]> {
    return (await fetch(`${env.SES_ENDPOINT}/__fake/messages`)).json();
  },
  async reset() {
    await fetch(`${env.SES_ENDPOINT}/__fake/reset`, { method: 'POST' });
  },
  async control(body: { throttle?: number; reject?: string }) {
    await fetch(`${env.SES_ENDPOINT}/__fake/control`, { method: 'POST', body: JSON.stringify(body) });
  },
  /** Waits until `count` messages have arrived (the queue consumer runs on its own). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<SesMessage[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const messages = await ses.messages();
      if (messages.length >= count) return messages;
      if (Date.now() > until) throw new Error(`expected ${count} messages at the SES endpoint, got ${messages.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  },
};

const signer = new Stripe('sk_test_signer_only');

/** POSTs an event to /webhooks/stripe, signed the way Stripe signs (SubtleCrypto in workerd). */
export async function postWebhook(event: unknown, opts: { timestamp?: number } = {}): Promise<Response> {
  const payload = JSON.stringify(event);
  const signature = await signer.webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return request('/webhooks/stripe', { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
}

/** N entitled readers written straight into D1 (one batch), ids `prefix-0000…`. */
export async function seedReaders(count: number, prefix = 'reader'): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
  const statements = ids.flatMap((id, i) => [
    env.DB.prepare('INSERT INTO readers (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)').bind(id, `${prefix}${i}@example.com`, i, i),
    env.DB.prepare('INSERT INTO customers (id, reader_id, email, synced_at, created_at) VALUES (?, ?, NULL, 0, 0)').bind(`cus_${id}`, id),
    env.DB.prepare(
      "INSERT INTO subscriptions (id, reader_id, customer_id, status, price_id, current_period_end, cancel_at_period_end, ends_at, stripe_created_at, synced_at, updated_at) VALUES (?, ?, ?, 'active', 'p', NULL, 0, NULL, 0, 0, 0)",
    ).bind(`sub_${id}`, id, `cus_${id}`),
  ]);
  for (let i = 0; i < statements.length; i += 300) await env.DB.batch(statements.slice(i, i + 300));
  return ids;
}

/** Articles through the authenticated API, as a CMS posts them. */
export async function postArticles(count: number, now = Date.now()): Promise<void> {
  const articles = Array.from({ length: count }, (_, i) => ({
    url: `https://news.example.com/2026/story-${i}`,
    title: `Story ${i}: the harbour budget`,
    summary: `What happened in story ${i}.`,
    published_at: new Date(now - (i + 1) * 60_000).toISOString(),
  }));
  const res = await request('/admin/articles', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(articles) });
  if (res.status !== 200) throw new Error(`articles refused: ${res.status} ${await res.text()}`);
}

export async function counts(date: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare('SELECT status, COUNT(*) AS n FROM deliveries WHERE edition_date = ? GROUP BY status').bind(date).all<{ status: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

/** Storage is shared by the tests of this project: each starts from empty tables (children first). */
export async function resetDatabase(): Promise<void> {
  const tables = ['deliveries', 'edition_articles', 'editions', 'articles', 'feeds', 'welcome_emails', 'subscriptions', 'customers', 'readers', 'stripe_events', 'rate_limits', 'account_link_mails', 'staff_sessions', 'staff_link_uses', 'suppressions'];
  await env.DB.batch(tables.map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
}
