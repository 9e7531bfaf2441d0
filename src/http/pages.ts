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
</div>`,
    opts.publication,
  );
}

export function messagePage(title: string, message: string, publication: string, link?: { href: string; label: string }) {
  return page(
    title,
    html`<h1>${title}</h1><div class="card"><p>${message}</p>${link ? html`<a class="button" href="${link.href}">${link.label}</a>` : ''}</div>`,
    publication,
  );
}
