import type { D1Migration } from 'cloudflare:test';
import type { DeliveryChunk } from '../../src/editions/queue.ts';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      DELIVERIES: Queue<DeliveryChunk>;
      TEST_MIGRATIONS: D1Migration[];
      STRIPE_API_BASE: string;
      SES_ENDPOINT: string;
      STRIPE_WEBHOOK_SECRET: string;
      ADMIN_TOKEN: string;
      APP_SECRET: string;
    }
  }
}
