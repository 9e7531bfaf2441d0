import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the Stripe SDK made, as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

type StripeObject = Record<string, unknown> & { id: string };

/**
 * A small Stripe-compatible HTTP server: the real `stripe` SDK talks to it through STRIPE_API_BASE.
 * It keeps objects in maps the test fills, records every request, and honours idempotency keys.
 */
export interface FakeStripe {
  url: string;
  requests: RecordedRequest[];
  prices: Map<string, StripeObject>;
  products: Map<string, StripeObject>;
  customers: Map<string, StripeObject>;
  subscriptions: Map<string, StripeObject>;
  /** Checkout Sessions it created (POST /v1/checkout/sessions), readable back by id as Stripe's are. */
  checkoutSessions: Map<string, StripeObject>;
  /** What Stripe does once the reader has paid (or started a trial): the session is complete. */
  completeCheckout(id: string, paymentStatus?: 'paid' | 'no_payment_required' | 'unpaid'): void;
  /**
   * Where a session's `url` points. Browser tests set it to this server's own URL, which serves a
   * stand-in payment page at /c/pay/:id (and the app's CSP lets forms go on to STRIPE_API_BASE).
   */
  checkoutPageBase: string;
  /** 'down': every request answers 500, as Stripe does during an incident. */
  mode: 'ok' | 'down';
  /** Back to a fresh account between tests: no requests, no objects, Stripe up. */
  reset(): void;
  close(): Promise<void>;
}

function stripeError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', code, message } }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeStripe(): Promise<FakeStripe> {
  let seq = 0;
  const idempotent = new Map<string, { status: number; body: string }>();
  const state: Omit<FakeStripe, 'url' | 'close' | 'reset' | 'completeCheckout'> = {
    requests: [],
    prices: new Map(),
    products: new Map(),
    customers: new Map(),
    subscriptions: new Map(),
    checkoutSessions: new Map(),
    checkoutPageBase: 'https://checkout.stripe.test',
    mode: 'ok',
  };

  /** Form-encoded `metadata[reader_id]=…` back into an object, as Stripe stores it. */
  const nested = (params: Record<string, string>, name: string) =>
    Object.fromEntries(Object.entries(params).flatMap(([k, v]) => (k.startsWith(`${name}[`) && k.endsWith(']') && !k.slice(name.length + 1, -1).includes('[') ? [[k.slice(name.length + 1, -1), v]] : [])));

  function route(method: string, path: string, params: Record<string, string>): { status: number; body: unknown } {
    const parts = path.split('/').filter(Boolean); // ['v1', 'prices', 'price_x']
    const [, resource, id] = parts;
    const expand = Object.entries(params).filter(([k]) => k.startsWith('expand')).map(([, v]) => v);
    const getFrom = (map: Map<string, StripeObject>) => {
      const obj = id ? map.get(id) : undefined;
      return obj ? { status: 200, body: obj } : { status: 404, body: null };
    };
    if (method === 'GET' && resource === 'prices') {
      const found = getFrom(state.prices);
      if (found.body && expand.includes('product')) {
        const productId = (found.body as StripeObject).product as string;
        return { status: 200, body: { ...(found.body as StripeObject), product: state.products.get(productId) ?? productId } };
      }
      return found;
    }
    if (method === 'GET' && resource === 'customers') return getFrom(state.customers);
    if (method === 'GET' && resource === 'subscriptions') return getFrom(state.subscriptions);
    if (method === 'GET' && resource === 'checkout' && id === 'sessions') {
      const session = parts[3] ? state.checkoutSessions.get(parts[3]) : undefined;
      return session ? { status: 200, body: session } : { status: 404, body: null };
    }
    if (method === 'POST' && resource === 'checkout' && id === 'sessions') {
      const sid = `cs_test_${++seq}`;
      const session: StripeObject = {
        id: sid,
        object: 'checkout.session',
        mode: params['mode'],
        status: 'open',
        payment_status: 'unpaid',
        customer: params['customer'] ?? null,
        customer_email: params['customer_email'] ?? null,
        client_reference_id: params['client_reference_id'] ?? null,
        metadata: nested(params, 'metadata'),
        success_url: params['success_url'],
        cancel_url: params['cancel_url'],
        url: `${state.checkoutPageBase}/c/pay/${sid}`,
      };
      state.checkoutSessions.set(sid, session);
      return { status: 200, body: session };
    }
    if (method === 'POST' && resource === 'billing_portal' && id === 'sessions') {
      const sid = `bps_${++seq}`;
      return { status: 200, body: { id: sid, object: 'billing_portal.session', customer: params['customer'], return_url: params['return_url'], url: `https://billing.stripe.test/p/session/${sid}` } };
    }
    return { status: 404, body: null };
  }

  function completeCheckout(id: string, paymentStatus: 'paid' | 'no_payment_required' | 'unpaid' = 'paid') {
    const session = state.checkoutSessions.get(id);
    if (!session) throw new Error(`fake Stripe: no checkout session ${id}`);
    Object.assign(session, { status: 'complete', payment_status: paymentStatus });
  }

  function reset() {
    state.requests.length = 0;
    state.checkoutPageBase = 'https://checkout.stripe.test';
    state.mode = 'ok';
    for (const map of [state.prices, state.products, state.customers, state.subscriptions, state.checkoutSessions]) map.clear();
    idempotent.clear();
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    // Control routes for tests that run elsewhere (a Worker in workerd): set objects, read requests, reset.
    if (url.pathname.startsWith('/__fake/')) {
      const [, , collection, id] = url.pathname.split('/');
      const maps: Record<string, Map<string, StripeObject>> = { prices: state.prices, products: state.products, customers: state.customers, subscriptions: state.subscriptions, checkout_sessions: state.checkoutSessions };
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'PUT' && collection && id && maps[collection]) maps[collection].set(id, JSON.parse(raw) as StripeObject);
      else if (req.method === 'POST' && collection === 'complete' && id && state.checkoutSessions.has(id)) completeCheckout(id);
      else if (req.method === 'POST' && collection === 'reset') reset();
      else if (req.method === 'GET' && collection === 'requests') return res.end(JSON.stringify(state.requests));
      return res.end('{}');
    }
    if (req.method === 'GET' && url.pathname.startsWith('/c/pay/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<!doctype html><title>Stripe Checkout (fake)</title><h1>Pay with Stripe (fake)</h1>');
    }
    const params = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : raw));
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname, params, idempotencyKey, authorization: req.headers['authorization'] });
    if (state.mode === 'down') return stripeError(res, 500, 'api_error', 'fake outage');
    if (idempotencyKey && idempotent.has(idempotencyKey)) {
      const prior = idempotent.get(idempotencyKey)!;
      res.writeHead(prior.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
      return res.end(prior.body);
    }
    const { status, body } = route(req.method ?? 'GET', url.pathname, params);
    if (status === 404) return stripeError(res, 404, 'resource_missing', `No such object: ${url.pathname}`);
    const text = JSON.stringify(body);
    if (idempotencyKey && req.method === 'POST') idempotent.set(idempotencyKey, { status, body: text });
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${seq}` });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    reset,
    completeCheckout,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeStripe;
}
