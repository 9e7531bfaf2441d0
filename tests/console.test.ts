import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertArticles } from '../src/articles/store.ts';
import { housekeeping } from '../src/housekeeping.ts';
import { smtpMailer } from '../src/mail/smtp.ts';
import { signToken } from '../src/tokens.ts';
import { ADMIN_TOKEN, APP_SECRET, makeHarness, type Harness } from './support/harness.ts';
import { article, seedReaders } from './support/seed.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp.ts';

// The staff console over real HTTP into the app: sign-in (token form, mailed link), the session
// cookie, CSRF on every form, idle expiry on the test clock, sign-out, and the JSON API beside it.

let h: Harness;
let smtp: SmtpSink;
const STAFF = 'editor@news.example.com';

beforeEach(async () => {
  smtp = await startSmtpSink();
  h = await makeHarness({ mailer: smtpMailer({ url: smtp.url, concurrency: 1 }), env: { STAFF_EMAILS: `${STAFF.toUpperCase()}, desk@news.example.com` } });
});
afterEach(async () => {
  await h.close();
  await smtp.close();
});

const HTML = { accept: 'text/html,application/xhtml+xml' };
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  ({ method: 'POST', headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() }) as const;

/** Signs in with ADMIN_TOKEN through the form; the session's cookie and its CSRF token. */
async function signIn(app = h.app) {
  const res = await app.request('/admin/login', form({ token: ADMIN_TOKEN }));
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await app.request('/admin', { headers: { ...HTML, cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

describe('signing in with ADMIN_TOKEN', () => {
  it('a browser without a session is sent to the sign-in page; a script gets 401 JSON as before', async () => {
    for (const path of ['/admin', '/admin/readers', '/admin/editions/2026-11-27', '/admin/articles']) {
      const res = await h.app.request(path, { headers: HTML });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/login');
    }
    const script = await h.app.request('/admin/articles');
    expect(script.status).toBe(401);
    expect((await script.json()).error.code).toBe('unauthorized');
    const login = await h.app.request('/admin/login', { headers: HTML });
    expect(login.status).toBe(200);
    const page = await login.text();
    expect(page).toContain('name="token"');
    expect(page).toContain('type="password"');
    expect(page).toContain('action="/admin/login/link"');
  });

  it('a wrong token is refused on the page, with no cookie; the right one starts a session: HttpOnly, Secure, SameSite=Strict, scoped to /admin', async () => {
    const wrong = await h.app.request('/admin/login', form({ token: 'wrong-token-wrong-token' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('not the admin token');
    const res = await h.app.request('/admin/login', form({ token: ADMIN_TOKEN }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^gazette_staff=[\w-]{43}; /);
    expect(cookie).toContain('Path=/admin');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Strict');
    // The table keeps a hash of the id, never the id the cookie holds.
    const id = /^gazette_staff=([\w-]+)/.exec(cookie)![1]!;
    const rows = await h.deps.db.selectFrom('staff_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(id);
    const dashboard = await h.app.request('/admin', { headers: { ...HTML, cookie: cookie.split(';')[0]! } });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('Receiving the digest');
    expect(h.logs.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('no Secure flag when PUBLIC_URL is plain http (the browser would drop the cookie)', async () => {
    const local = await makeHarness({ env: { PUBLIC_URL: 'http://localhost:8787' } });
    try {
      const res = await local.app.request('/admin/login', form({ token: ADMIN_TOKEN }));
      expect(res.headers.get('set-cookie')).not.toContain('Secure');
    } finally {
      await local.close();
    }
  });

  it('ten wrong tokens from one client in ten minutes, then 429 even for the right one', async () => {
    for (let i = 0; i < 10; i++) expect((await h.app.request('/admin/login', form({ token: `guess-${i}-guess-guess` }))).status).toBe(401);
    const blocked = await h.app.request('/admin/login', form({ token: ADMIN_TOKEN }));
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(blocked.headers.get('set-cookie')).toBeNull();
  });

  it('the console is off (404) when neither ADMIN_TOKEN nor STAFF_EMAILS is set', async () => {
    const off = await makeHarness({ env: { ADMIN_TOKEN: '' } });
    try {
      expect((await off.app.request('/admin/login', { headers: HTML })).status).toBe(404);
      expect((await off.app.request('/admin/login', form({ token: ADMIN_TOKEN }))).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('a session', () => {
  it('opens the JSON API too, and the bearer token keeps working for scripts without any CSRF token', async () => {
    const { cookie } = await signIn();
    await seedReaders(h.deps.db, 2);
    const listed = await h.app.request('/admin/subscribers', { headers: { cookie } });
    expect(listed.status).toBe(200);
    expect((await listed.json()).data).toHaveLength(2);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    const sent = await h.app.request('/admin/editions/send', { method: 'POST', headers: bearer });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ date: '2026-11-27', edition: true, status_url: 'https://news.example.com/admin/editions/2026-11-27' });
  });

  it('every form needs the session’s CSRF token: without it or with another, 403 and nothing happens', async () => {
    const { cookie, csrf } = await signIn();
    await seedReaders(h.deps.db, 2);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    for (const fields of [{}, { csrf: 'x'.repeat(43) }, { csrf: `${csrf}x` }] as Record<string, string>[]) {
      const res = await h.app.request('/admin/editions/send', form(fields, { cookie }));
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This form is out of date');
    }
    // A script's fetch with the session and no token is refused the same way.
    expect((await h.app.request('/admin/editions/send', { method: 'POST', headers: { cookie } })).status).toBe(403);
    expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(0);
    // Another session's token is not this one's.
    const other = await signIn();
    expect((await h.app.request('/admin/editions/send', form({ csrf: other.csrf }, { cookie }))).status).toBe(403);
    expect(await h.deps.db.selectFrom('editions').selectAll().execute()).toHaveLength(0);
    // With it: the form goes through (303 to the edition's page), or the fetch (header, 202 JSON).
    const ok = await h.app.request('/admin/editions/send', form({ csrf }, { cookie }));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/editions/2026-11-27?done=sending');
    const fetched = await h.app.request('/admin/editions/send', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(fetched.status).toBe(202);
  });

  it('a form posted from another site is refused before anything else', async () => {
    const { cookie, csrf } = await signIn();
    const res = await h.app.request('/admin/logout', form({ csrf }, { cookie, 'sec-fetch-site': 'cross-site' }));
    expect(res.status).toBe(403);
    expect(await h.deps.db.selectFrom('staff_sessions').selectAll().execute()).toHaveLength(1);
  });

  it('ends after 12 hours without use; use keeps it alive; housekeeping forgets it', async () => {
    const { cookie } = await signIn();
    const open = async () => (await h.app.request('/admin', { headers: { ...HTML, cookie } })).status;
    h.clock.advance(11 * 3600_000 + 59 * 60_000);
    expect(await open()).toBe(200);
    h.clock.advance(11 * 3600_000 + 59 * 60_000);
    expect(await open()).toBe(200);
    expect((await housekeeping(h.deps)).sessions).toBe(0);
    h.clock.advance(12 * 3600_000 + 1000);
    const expired = await h.app.request('/admin', { headers: { ...HTML, cookie } });
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/admin/login');
    expect((await h.app.request('/admin/subscribers', { headers: { cookie } })).status).toBe(401);
    expect((await housekeeping(h.deps)).sessions).toBe(1);
    expect(await h.deps.db.selectFrom('staff_sessions').selectAll().execute()).toHaveLength(0);
  });

  it('polling does not write on every request: last-seen moves at most every five minutes', async () => {
    const { cookie } = await signIn();
    const seen = async () => Number((await h.deps.db.selectFrom('staff_sessions').select('last_seen_at').executeTakeFirstOrThrow()).last_seen_at);
    const start = await seen();
    h.clock.advance(4 * 60_000);
    await h.app.request('/admin', { headers: { ...HTML, cookie } });
    expect(await seen()).toBe(start);
    h.clock.advance(2 * 60_000);
    await h.app.request('/admin', { headers: { ...HTML, cookie } });
    expect(await seen()).toBe(h.clock.now());
  });

  it('sign-out deletes the session: the cookie is cleared and opens nothing any more', async () => {
    const { cookie, csrf } = await signIn();
    const res = await h.app.request('/admin/logout', form({ csrf }, { cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?done=signed_out');
    expect(res.headers.get('set-cookie')).toMatch(/^gazette_staff=; .*Max-Age=0/);
    expect(await h.deps.db.selectFrom('staff_sessions').selectAll().execute()).toHaveLength(0);
    expect((await h.app.request('/admin', { headers: { ...HTML, cookie } })).headers.get('location')).toBe('/admin/login');
    expect(await (await h.app.request('/admin/login?done=signed_out', { headers: HTML })).text()).toContain('You are signed out.');
  });

  it('a new ADMIN_TOKEN ends the sessions the old one started', async () => {
    const { cookie } = await signIn();
    // What a session signed in with another token looks like.
    await h.deps.db.updateTable('staff_sessions').set({ staff: 'token:0123456789abcdef0123456789abcdef' }).execute();
    expect((await h.app.request('/admin', { headers: { ...HTML, cookie } })).status).toBe(303);
  });
});

describe('signing in with a mailed link (STAFF_EMAILS)', () => {
  const ask = (email: string) => h.app.request('/admin/login/link', form({ email }));
  const staffMails = () => smtp.messages.filter((m) => m.parsed.headers.get('x-gazette-kind') === 'staff-sign-in');
  const linkIn = (i: number) => new URL(/https:\/\/news\.example\.com(\/admin\/sign-in\/[\w.-]+)/.exec(staffMails()[i]!.parsed.text!)![1]!, 'https://news.example.com').pathname;

  it('only listed addresses get mail, and the answer is the same for anyone', async () => {
    const listed = await ask('Editor@News.Example.com');
    const stranger = await ask('stranger@example.com');
    expect(listed.status).toBe(200);
    expect(stranger.status).toBe(200);
    const [a, b] = [await listed.text(), await stranger.text()];
    expect(a).toBe(b);
    expect(a).toContain('Check your mail');
    await h.drain();
    await smtp.waitFor(1);
    expect(staffMails()).toHaveLength(1);
    expect(staffMails()[0]!.to).toEqual([STAFF]);
    expect(staffMails()[0]!.parsed.subject).toBe('Sign in to the The Morning Gazette staff console');
    // Neither the answer nor the log gives the address or the link away.
    expect(a).not.toContain('/admin/sign-in/');
    expect(h.logs.join('\n')).not.toContain(STAFF);
    expect(h.logs.join('\n')).not.toContain('stranger@example.com');
    expect(h.logs.join('\n')).not.toMatch(/sign-in\/[\w-]{20,}/);
  });

  it('opening the link changes nothing (mail scanners follow links); its button signs in, once', async () => {
    await ask(STAFF);
    await h.drain();
    await smtp.waitFor(1);
    const path = linkIn(0);
    for (let i = 0; i < 2; i++) {
      const opened = await h.app.request(path, { headers: HTML });
      expect(opened.status).toBe(200);
      expect(opened.headers.get('set-cookie')).toBeNull();
      const page = await opened.text();
      expect(page).toContain(STAFF);
      expect(page).toContain(`action="${path}"`);
    }
    expect(await h.deps.db.selectFrom('staff_sessions').selectAll().execute()).toHaveLength(0);
    const signed = await h.app.request(path, form({}));
    expect(signed.status).toBe(303);
    expect(signed.headers.get('location')).toBe('/admin');
    const cookie = signed.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = await (await h.app.request('/admin', { headers: { ...HTML, cookie } })).text();
    expect(dashboard).toContain(`title="Signed in as ${STAFF}"`);
    const again = await h.app.request(path, form({}));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');
  });

  it('a link lives 15 minutes; a link for an address not on the list opens nothing', async () => {
    await ask(STAFF);
    await h.drain();
    await smtp.waitFor(1);
    const path = linkIn(0);
    h.clock.advance(15 * 60_000 + 1);
    const late = await h.app.request(path, form({}));
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('expired');
    const forged = signToken(APP_SECRET, 'staff', 'someone@example.com', h.clock.now() + 60_000);
    expect((await h.app.request(`/admin/sign-in/${forged}`, form({}))).status).toBe(403);
    // Another purpose's token (a reader's account link) is not a staff link.
    const account = signToken(APP_SECRET, 'account', STAFF, h.clock.now() + 60_000);
    expect((await h.app.request(`/admin/sign-in/${account}`, form({}))).status).toBe(400);
    expect(await h.deps.db.selectFrom('staff_sessions').selectAll().execute()).toHaveLength(0);
  });

  it('asking is limited like /account: five per address and ten per client in ten minutes', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(STAFF)).status).toBe(200);
    expect((await ask(STAFF)).status).toBe(429);
    await h.drain();
    expect(staffMails()).toHaveLength(5);
  });
});

describe('the console’s pages', () => {
  it('answer with the console’s CSP (our own script, our own JSON) and the reader pages keep theirs', async () => {
    const { cookie } = await signIn();
    const page = await h.app.request('/admin', { headers: { ...HTML, cookie } });
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('stripe.com');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<script src="/admin/console.js" defer></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = await h.app.request('/admin/console.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("document.getElementById('progress')");
    expect((await h.app.request('/')).headers.get('content-security-policy')).not.toContain('script-src');
  });

  it('errors are pages for a browser and JSON for a script, and nothing of a value is unescaped', async () => {
    const { cookie } = await signIn();
    const page = await h.app.request('/admin/readers/no-such-reader', { headers: { ...HTML, cookie } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('There is no such reader.');
    const json = await h.app.request('/admin/readers/no-such-reader', { headers: { cookie } });
    expect(json.status).toBe(404);
    expect((await json.json()).error.code).toBe('not_found');
    const search = await (await h.app.request(`/admin/readers?q=${encodeURIComponent('"><script>alert(1)</script>')}`, { headers: { ...HTML, cookie } })).text();
    expect(search).not.toContain('<script>alert(1)');
    expect(search).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('GET /admin/editions/:date: a page for a browser, the same JSON as ever for a script', async () => {
    await seedReaders(h.deps.db, 2);
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    expect((await h.app.request('/admin/editions/send', { method: 'POST', headers: bearer })).status).toBe(202);
    await h.drain();
    const json = await h.app.request('/admin/editions/2026-11-27', { headers: bearer });
    expect(await json.json()).toEqual({ date: '2026-11-27', articles: 1, deliveries: { sent: 2, failed: 0, pending: 0, sending: 0 }, remaining: 0, sent_last_minute: 2 });
    const { cookie } = await signIn();
    const page = await (await h.app.request('/admin/editions/2026-11-27', { headers: { ...HTML, cookie } })).text();
    expect(page).toContain('data-status-url="/admin/editions/2026-11-27"');
    expect(page).toContain('data-live="off"');
    expect(page).toContain('Story number 1 about the harbour');
    expect(page).toMatch(/data-field="sent">2</);
  });

  it('the preview opens in a browser for any date: a stored edition as frozen, today’s candidates, nothing before', async () => {
    let { cookie } = await signIn();
    const preview = (q = '') => h.app.request(`/admin/editions/preview${q}`, { headers: { ...HTML, cookie } });
    await upsertArticles(h.deps, [article(1, h.clock.now())], 'api', h.clock.now());
    const today = await preview();
    expect(today.status).toBe(200);
    expect(await today.text()).toContain('Story number 1 about the harbour');
    await h.app.request('/admin/editions/send', { method: 'POST', headers: bearer });
    await h.drain();
    // Frozen: a later change to the article does not change the edition.
    await upsertArticles(h.deps, [{ ...article(1, h.clock.now()), title: 'A headline written afterwards' }], 'api', h.clock.now());
    h.clock.advance(24 * 3600_000);
    ({ cookie } = await signIn());
    await upsertArticles(h.deps, [article(2, h.clock.now())], 'api', h.clock.now());
    const frozen = await (await preview('?date=2026-11-27')).text();
    expect(frozen).toContain('Story number 1 about the harbour');
    expect(frozen).not.toContain('A headline written afterwards');
    expect(await (await preview('?date=2026-11-28')).text()).toContain('Story number 2 about the harbour');
    expect((await preview('?date=2026-11-20')).status).toBe(404);
    expect((await preview('?date=yesterday')).status).toBe(400);
  });
});
