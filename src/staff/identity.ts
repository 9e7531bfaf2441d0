import type { Config } from '../config.ts';
import { hashSecret } from './sessions.ts';

type StaffConfig = Pick<Config, 'adminToken' | 'staffEmails'> & { appSecret: string };

/**
 * Who a session belongs to, for ADMIN_TOKEN sign-ins: a fingerprint of the token (keyed with
 * APP_SECRET, so the table says nothing about the token), so that setting a new token ends them.
 */
export function tokenStaff(config: StaffConfig): string | undefined {
  return config.adminToken ? `token:${hashSecret(`${config.appSecret}\u0000${config.adminToken}`).slice(0, 32)}` : undefined;
}

export function isStaffEmail(config: Pick<Config, 'staffEmails'>, email: string): boolean {
  return config.staffEmails.includes(email);
}

/** A session stays good only while what signed it in still would: the same token, or an address still listed. */
export function stillStaff(config: StaffConfig, staff: string): boolean {
  return staff.startsWith('token:') ? staff === tokenStaff(config) : isStaffEmail(config, staff);
}

/** The console is there when someone can sign in to it. */
export function consoleEnabled(config: Pick<Config, 'adminToken' | 'staffEmails'>): boolean {
  return Boolean(config.adminToken) || config.staffEmails.length > 0;
}
