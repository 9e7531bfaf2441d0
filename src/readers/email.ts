import { z } from 'zod';

const emailSchema = z.email().max(254);

/** Trimmed and lower-cased: the one spelling under which a reader is stored and looked up. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return emailSchema.safeParse(email).success ? email : null;
}
