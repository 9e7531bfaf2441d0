import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from '../deps.ts';
import { GazetteError } from '../errors.ts';
import { openBillingPortal } from '../billing/portal.ts';
import { offerReader } from '../billing/offer.ts';
import { readerAccount, type ReaderAccount } from '../readers/account.ts';
import { mailAccountLink } from '../readers/account-link.ts';
import { normalizeEmail } from '../readers/email.ts';
import { resumeReader, unsubscribeReader } from '../readers/unsubscribe.ts';
import { verifyToken } from '../tokens.ts';
import { clientAddress, enforceLimits, LIMITS, sameOriginPosts } from './guards.ts';
import { accountPage, accountRequestPage, messagePage, type AccountView } from './pages.ts';

const STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  trialing: 'Free trial',
  past_due: 'Payment overdue: Stripe is retrying your card',
  unpaid: 'Unpaid',
  canceled: 'Cancelled',
  incomplete: 'Waiting for the first payment',
  incomplete_expired: 'Not started: the first payment did not go through',
  paused: 'Paused',
};

const NOTICES: Record<string, string> = {
  stopped: 'Done: the daily digest is stopped. Your subscription and billing are unchanged.',
  resumed: 'Done: the daily digest is back on, from the next edition.',
};

/** The reader's own page: ask for a link by mail, then status, billing and the digest on or off. */
export function accountRoutes(deps: Deps) {
  const app = new Hono();
  const publication = deps.config.publication.name;
  const readOffer = offerReader(deps);
  const formLimit = bodyLimit({ maxSize: 16 * 1024, onError: () => { throw new GazetteError('payload_too_large', 'The form is too large.'); } });
  app.use('/account', sameOriginPosts(deps.config.publicUrl));
  app.use('/account/*', sameOriginPosts(deps.config.publicUrl));

  const longDate = (ms: number) =>
    new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: deps.config.digestTimezone }).format(new Date(ms));

  async function planName(priceId: string | null): Promise<string> {
    if (readOffer && priceId === deps.config.stripe?.priceId) {
      const offer = await readOffer().catch(() => undefined);
      if (offer) return offer.planName;
    }
    return 'Subscription';
  }

  async function view(account: ReaderAccount, notice: string | undefined): Promise<AccountView> {
    const sub = account.subscription;
    let renewal: string | null = null;
    if (sub?.ends_at) renewal = `${sub.ends_at > deps.clock.now() ? 'Ends' : 'Ended'} on ${longDate(sub.ends_at)}`;
    else if (sub && sub.status !== 'canceled' && sub.current_period_end) renewal = `Renews on ${longDate(sub.current_period_end)}`;
    const digest = account.suppressed_at
      ? { on: false, text: 'Paused: mail to this address could not be delivered. Write to us to restart it.' }
      : account.unsubscribed_at
        ? { on: false, text: `Off since ${longDate(account.unsubscribed_at)}` }
        : { on: true, text: `On: every morning to ${account.email}` };
    return {
      email: account.email,
      plan: sub ? await planName(sub.price_id) : 'None yet',
      status: sub ? (STATUS_LABELS[sub.status] ?? sub.status) : 'No subscription',
      renewal,
      digest,
      ...(notice ? { notice } : {}),
    };
  }

  /** The reader a signed account link names; an expired link says how to get a new one. */
  async function readerFrom(c: Context): Promise<string> {
    try {
      return await verifyToken(deps.config.appSecret, 'account', c.req.param('token') ?? '', deps.clock.now());
    } catch (err) {
      if (err instanceof GazetteError && err.code === 'expired_token') {
        throw new GazetteError('expired_token', 'This link has expired: links to your subscription work for 24 hours. We can email you a new one.');
      }
      throw err;
    }
  }

  app.get('/account', (c) => c.html(accountRequestPage({ publication })));

  app.post('/account', formLimit, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const raw = typeof form['email'] === 'string' ? form['email'] : '';
    const email = normalizeEmail(raw);
    await enforceLimits(deps, email ? [[LIMITS.accountByClient, clientAddress(deps, c)], [LIMITS.accountByEmail, email]] : [[LIMITS.accountByClient, clientAddress(deps, c)]]);
    if (!email) return c.html(accountRequestPage({ publication, email: raw, error: 'Please enter a valid email address, like name@example.com.' }), 400);
    // After the answer, and the same answer whatever happens: the form must not tell who subscribes.
    deps.defer(() => mailAccountLink(deps, email));
    return c.html(
      messagePage('Check your email', 'If this address has a subscription, a link to manage it is on its way. It works for 24 hours. Nothing arrived? Look in your spam folder, or ask again in ten minutes.', publication, {
        href: '/',
        label: 'Back to the front page',
      }),
    );
  });

  app.get('/account/:token', async (c) => {
    const readerId = await readerFrom(c);
    const account = await readerAccount(deps.db, readerId, deps.clock.now());
    if (!account) throw new GazetteError('invalid_token', 'This link does not work any more.');
    const done = c.req.query('done') ?? '';
    return c.html(accountPage(publication, c.req.param('token'), await view(account, Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined)));
  });

  app.post('/account/:token/billing', formLimit, async (c) => {
    const readerId = await readerFrom(c);
    await enforceLimits(deps, [[LIMITS.billingByClient, clientAddress(deps, c)], [LIMITS.billingByReader, readerId]]);
    // The portal's way back leads to the form, not to this link: Stripe is not handed the reader's token.
    return c.redirect(await openBillingPortal(deps, readerId, `${deps.config.publicUrl}/account`), 303);
  });

  app.post('/account/:token/stop', formLimit, async (c) => {
    const readerId = await readerFrom(c);
    await unsubscribeReader(deps.db, readerId, deps.clock.now());
    return c.redirect(`/account/${c.req.param('token')}?done=stopped`, 303);
  });

  app.post('/account/:token/resume', formLimit, async (c) => {
    const readerId = await readerFrom(c);
    await resumeReader(deps.db, readerId, deps.clock.now());
    return c.redirect(`/account/${c.req.param('token')}?done=resumed`, 303);
  });
  return app;
}
