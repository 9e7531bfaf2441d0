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
  /**
   * Which case of `code` this is, when a reader should be told more than the code says (an expired
   * link to the reader's page, checkout not open yet): the pages read their text by it from the
   * catalogue. The message stays English, for logs and JSON answers.
   */
  readonly reason: string | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown; reason?: string },
  ) {
    super(message, options);
    this.name = 'GazetteError';
    this.reason = options?.reason;
  }
}

export const isGazetteError = (e: unknown): e is GazetteError => e instanceof GazetteError;
