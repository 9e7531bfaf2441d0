import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Content = HtmlEscapedString | Promise<HtmlEscapedString> | string;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4f1ea;color:#1a1a1a;font:18px/1.55 Georgia,'Times New Roman',serif}
main{max-width:34rem;margin:0 auto;padding:2.5rem 1.25rem}
h1{font-size:1.9rem;line-height:1.2;margin:0 0 1rem}
.masthead{font-size:.85rem;letter-spacing:.2em;text-transform:uppercase;margin-bottom:2rem}
.card{background:#fff;border-radius:6px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.price{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
label{display:block;font-size:.95rem;margin-bottom:.35rem}
input[type=email]{width:100%;font:inherit;padding:.7rem .8rem;border:1px solid #999;border-radius:4px}
button,.button{display:inline-block;width:100%;margin-top:1rem;padding:.8rem 1rem;font:inherit;font-weight:700;text-align:center;
  color:#fff;background:#1a1a1a;border:0;border-radius:4px;text-decoration:none;cursor:pointer}
.error{color:#a40000;margin:.5rem 0 0}
.notice{background:#fff6d6;border-left:4px solid #c9a227;padding:.75rem 1rem;margin-bottom:1rem}
.aside{margin:1.5rem 0 0;text-align:center}
dl{margin:0 0 1rem}dt{font-size:.9rem;color:#555;margin-top:.75rem}dd{margin:0;font-weight:700}
.secondary{background:#fff;color:#1a1a1a;border:1px solid #1a1a1a}
form+form{margin-top:.25rem}
small,.muted{color:#555;font-size:.9rem}
a{color:inherit}
`;

/** The frame every reader-facing page shares; readable on a phone (viewport, single column). */
export function page(title: string, body: Content, publication = 'Gazette') {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${publication}</title>
<style>${raw(STYLE)}</style>
</head>
<body><main><div class="masthead">${publication}</div>${body}</main></body>
</html>`;
}

export interface OfferView {
  planName: string;
  price: string;
  interval: string;
}

export function offerPage(opts: { offer: OfferView | null; publication: string; email?: string; error?: string; notice?: string }) {
  const { offer, error, notice } = opts;
  return page(
    'Subscribe',
    html`<h1>${offer ? offer.planName : 'Full digital access + the daily digest'}</h1>
<div class="card">
${notice ? html`<p class="notice">${notice}</p>` : ''}
${offer ? html`<div class="price">${offer.price} <small>/ ${offer.interval}</small></div>` : ''}
<p>Full digital access, and every morning one email with the day's latest articles. Cancel any time.</p>
<form method="post" action="/checkout">
<label for="email">Your email address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${opts.email ?? ''}"
  ${error ? raw('aria-invalid="true" aria-describedby="email-error"') : ''}>
${error ? html`<p class="error" id="email-error">${error}</p>` : ''}
<button type="submit">Subscribe</button>
</form>
<p class="muted">You will pay securely with Stripe.</p>
</div>
<p class="aside">Already a subscriber? <a href="/account">Manage your subscription</a></p>`,
    opts.publication,
  );
}

export function accountRequestPage(opts: { publication: string; email?: string; error?: string }) {
  return page(
    'Manage your subscription',
    html`<h1>Manage your subscription</h1>
<div class="card">
<p>Enter the address you subscribed with. We will email you a link to your own page: your plan, billing and invoices, and the daily digest on or off.</p>
<form method="post" action="/account">
<label for="email">Your email address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${opts.email ?? ''}"
  ${opts.error ? raw('aria-invalid="true" aria-describedby="email-error"') : ''}>
${opts.error ? html`<p class="error" id="email-error">${opts.error}</p>` : ''}
<button type="submit">Email me a link</button>
</form>
</div>`,
    opts.publication,
  );
}

export interface AccountView {
  email: string;
  plan: string;
  status: string;
  /** "Renews on 3 January 2027", "Ends on …", or null. */
  renewal: string | null;
  digest: { on: boolean; text: string };
  notice?: string;
}

/** The reader's own page; every action is a form that posts back to the same signed path. */
export function accountPage(publication: string, token: string, v: AccountView) {
  const base = `/account/${token}`;
  return page(
    'Your subscription',
    html`<h1>Your subscription</h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
<div class="card">
<dl>
<dt>Address</dt><dd>${v.email}</dd>
<dt>Plan</dt><dd>${v.plan}</dd>
<dt>Status</dt><dd>${v.status}</dd>
${v.renewal ? html`<dt>Billing</dt><dd>${v.renewal}</dd>` : ''}
<dt>Daily digest</dt><dd>${v.digest.text}</dd>
</dl>
<form method="post" action="${base}/billing"><button type="submit">Manage billing and invoices</button></form>
${v.digest.on
  ? html`<form method="post" action="${base}/stop"><button type="submit" class="secondary">Stop the daily digest</button></form>`
  : html`<form method="post" action="${base}/resume"><button type="submit" class="secondary">Resume the daily digest</button></form>`}
<p class="muted">Billing opens Stripe's secure page: change your card, download invoices, or cancel. Stopping the digest does not cancel payments.</p>
</div>`,
    publication,
  );
}

export function messagePage(title: string, message: string, publication: string, link?: { href: string; label: string }, form?: { action: string; label: string }) {
  return page(
    title,
    html`<h1>${title}</h1><div class="card"><p>${message}</p>${link ? html`<a class="button" href="${link.href}">${link.label}</a>` : ''}${
      form ? html`<form method="post" action="${form.action}"><button type="submit" class="${link ? 'secondary' : ''}">${form.label}</button></form>` : ''
    }</div>`,
    publication,
  );
}
