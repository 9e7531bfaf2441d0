import type { TestProject } from 'vitest/node';
import { startFakeSes } from './fake-ses.ts';
import { startFakeStripe } from './fake-stripe.ts';

// Runs in Node before the workerd tests: the Worker reaches these over 127.0.0.1 like real APIs.
export default async function setup(project: TestProject) {
  const [stripe, ses] = await Promise.all([startFakeStripe(), startFakeSes()]);
  project.provide('stripeUrl', stripe.url);
  project.provide('sesUrl', ses.url);
  return async () => {
    await Promise.all([stripe.close(), ses.close()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stripeUrl: string;
    sesUrl: string;
  }
}
