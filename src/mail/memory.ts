import type { Mailer, OutgoingMessage } from './mailer.ts';

/** Keeps messages in an array: for previews and for tests that only look at what would be sent. */
export function memoryMailer(): Mailer & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { ok: true };
    },
  };
}
