import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Batch } from './db/batch.ts';
import type { DialectName, Db } from './db/schema.ts';
import type { Logger } from './log.ts';
import type { SnsFetch } from './mail/sns.ts';
import type { Mailer } from './mail/mailer.ts';
import type { CompiledTemplate } from './mail/template.ts';
import type { StripeClient } from './billing/stripe-client.ts';
import type { EditionRenderer } from './editions/render.ts';
import type { FeedHttp } from './articles/redirects.ts';

export interface Templates {
  welcome: CompiledTemplate;
  accountLink: CompiledTemplate;
  digest: EditionRenderer;
}

/** Everything the core needs, handed in by a runtime shell (node.ts, tests, later the Workers entry). */
export interface Deps {
  db: Db;
  dialect: DialectName;
  /** Several writes that land together or not at all (a transaction; on D1 a batch). */
  batch: Batch;
  mailer: Mailer;
  /** Undefined when Stripe is not configured. */
  stripe: StripeClient | undefined;
  clock: Clock;
  log: Logger;
  config: Readonly<Config> & { appSecret: string };
  templates: Templates;
  /** The client address the runtime saw on the connection (Node: the socket; Workers: CF-Connecting-IP). */
  remoteAddress(request: Request, env: unknown): string | undefined;
  /** Feed requests one hop at a time, refusing non-public addresses unless allowed (Node: undici with a checking resolver). */
  feedHttp: FeedHttp;
  /**
   * Sends the prepared edition of `date` in the background, for the staff's "send now" (Node: a
   * digest run in this process; Workers: its open deliveries go on the queue).
   */
  dispatchEdition(date: string): Promise<void>;
  /** GETs from Amazon SNS only (signing certificates, subscription confirmations); the core checks every URL is SNS's. */
  snsHttp: SnsFetch;
  /** Runs work after the response without making the caller wait (Node: a tracked promise; Workers: waitUntil). */
  defer(task: () => Promise<unknown>): void;
}
