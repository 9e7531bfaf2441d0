import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer } from './mailer.ts';
import { toNodemailer } from './compose.ts';

/** Without SMTP_URL, each message becomes a complete .eml file in data/outbox/ (open it in any mail client). */
export function outboxMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail(toNodemailer(message));
        await mkdir(dir, { recursive: true });
        const file = message.messageId.replace(/[^A-Za-z0-9@._-]/g, '_');
        await writeFile(join(dir, `${file}.eml`), info.message as Buffer);
        return { ok: true };
      } catch (err) {
        return { ok: false, permanent: false, error: (err as Error).message };
      }
    },
  };
}
