/** The closed set of ways a request can fail; src/http/errors.ts maps each to an HTTP answer. */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'not_found'
  | 'payload_too_large'
  | 'bad_signature'
  | 'invalid_token'
  | 'expired_token'
  | 'not_configured'
  | 'upstream_unavailable'
  | 'retry_later';

export class GazetteError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GazetteError';
  }
}

export const isGazetteError = (e: unknown): e is GazetteError => e instanceof GazetteError;
