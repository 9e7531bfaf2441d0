import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer } from './mailer.ts';

/** Without a mail server configured, each message becomes a complete .eml file in data/outbox/ (open it in any mail client). */
export function outboxMailer(dir: string): Mailer {
  return {
    async send(message) {
      try {
        await mkdir(dir, { recursive: true });
        const file = message.messageId.replace(/[^A-Za-z0-9@._-]/g, '_');
        await writeFile(join(dir, `${file}.eml`), message.raw);
        return { ok: true };
      } catch (err) {
        return { ok: false, permanent: false, error: (err as Error).message };
      }
    },
  };
}
