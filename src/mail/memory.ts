import type { Mailer, RawMessage } from './mailer.ts';

/** Keeps messages in an array: for tests that only look at what would be sent. */
export function memoryMailer(): Mailer & { sent: RawMessage[] } {
  const sent: RawMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { ok: true };
    },
  };
}
