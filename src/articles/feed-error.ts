/** A feed we refuse, with a reason fit for the log and the poll report. */
export class FeedError extends Error {
  override name = 'FeedError';
}
