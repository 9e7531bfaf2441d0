import { Hono, type Context } from 'hono';
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
import { homeLink, messagePage, renderPage, siteOf } from './pages.ts';
import { limitBody } from './body-limit.ts';

/** The notices a redirect back to the page may ask for (?done=…), and their texts. */
const NOTICES: Record<string, string> = { stopped: 'site.account.done_stopped', resumed: 'site.account.done_resumed' };

const STATUSES = new Set(['active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused']);

/** The reader's own page: ask for a link by mail, then status, billing and the digest on or off. */
export function accountRoutes(deps: Deps) {
  const app = new Hono();
  const site = siteOf(deps.config);
  const { t } = site;
  const readOffer = offerReader(deps);
  const formLimit = limitBody(16 * 1024, 'The form is too large.');
  app.use('/account', sameOriginPosts(deps.config.publicUrl));
  app.use('/account/*', sameOriginPosts(deps.config.publicUrl));

  const date = (ms: number) => t.date(ms, deps.config.digestTimezone);

  async function planName(priceId: string | null): Promise<string> {
    if (readOffer && priceId === deps.config.stripe?.priceId) {
      const offer = await readOffer().catch(() => undefined);
      if (offer) return offer.planName;
    }
    return t.t('site.account.plan_default');
  }

  /** What the reader's page shows, every text from the catalogue and every date in the publication's locale. */
  async function view(account: ReaderAccount) {
    const sub = account.subscription;
    let renewal: string | null = null;
    if (sub?.ends_at) renewal = t.t(sub.ends_at > deps.clock.now() ? 'site.account.ends' : 'site.account.ended', { date: date(sub.ends_at) });
    else if (sub && sub.status !== 'canceled' && sub.current_period_end) renewal = t.t('site.account.renews', { date: date(sub.current_period_end) });
    const digestOn = !account.suppressed_at && !account.unsubscribed_at;
    const digest = account.suppressed_at
      ? t.t('site.account.digest_suppressed')
      : account.unsubscribed_at
        ? t.t('site.account.digest_off', { date: date(account.unsubscribed_at) })
        : t.t('site.account.digest_on', { email: account.email });
    return {
      email: account.email,
      plan: sub ? await planName(sub.price_id) : t.t('site.account.plan_none'),
      // A status Stripe adds one day shows as Stripe names it rather than not at all.
      status: sub ? (STATUSES.has(sub.status) ? t.t(`site.status.${sub.status}`) : sub.status) : t.t('site.account.status_none'),
      renewal,
      digest,
      digest_on: digestOn,
    };
  }

  const requestPage = (form: { email?: string; error?: string } = {}) =>
    renderPage(site, 'account-request', { title: t.t('site.account_request.title'), path: '/account' }, { email: form.email ?? '', error: form.error ?? null });

  /** The reader a signed account link names; an expired link says how to get a new one. */
  async function readerFrom(c: Context): Promise<string> {
    try {
      return verifyToken(deps.config.appSecret, 'account', c.req.param('token') ?? '', deps.clock.now());
    } catch (err) {
      if (err instanceof GazetteError && err.code === 'expired_token') {
        throw new GazetteError('expired_token', 'This link has expired: links to your subscription work for 24 hours. We can email you a new one.', {}, { reason: 'account_link' });
      }
      throw err;
    }
  }

  app.get('/account', (c) => c.html(requestPage()));

  app.post('/account', formLimit, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const raw = typeof form['email'] === 'string' ? form['email'] : '';
    const email = normalizeEmail(raw);
    await enforceLimits(deps, email ? [[LIMITS.accountByClient, clientAddress(deps, c)], [LIMITS.accountByEmail, email]] : [[LIMITS.accountByClient, clientAddress(deps, c)]]);
    if (!email) return c.html(requestPage({ email: raw, error: t.t('site.offer.invalid_email') }), 400);
    // After the answer, and the same answer whatever happens: the form must not tell who subscribes.
    deps.defer(() => mailAccountLink(deps, email));
    return c.html(messagePage(site, { heading: t.t('site.account_request.sent_title'), paragraphs: [t.t('site.account_request.sent_message')], link: homeLink(site) }));
  });

  app.get('/account/:token', async (c) => {
    const readerId = await readerFrom(c);
    const account = await readerAccount(deps.db, readerId, deps.clock.now());
    if (!account) throw new GazetteError('invalid_token', 'This link does not work any more.', {}, { reason: 'reader_gone' });
    const done = c.req.query('done') ?? '';
    const notice = Object.hasOwn(NOTICES, done) ? t.t(NOTICES[done]!) : null;
    // The page's own address holds the reader's token: no canonical URL, never indexed.
    return c.html(renderPage(site, 'account', { title: t.t('site.account.title') }, { account: await view(account), notice, base: `/account/${c.req.param('token')}` }));
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
