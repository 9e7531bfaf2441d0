import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Development only: a random APP_SECRET made once and kept, so signed links survive restarts. */
export function developmentSecret(file: string): { secret: string; created: boolean } {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, created: false };
  } catch {
    // Not made yet.
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
