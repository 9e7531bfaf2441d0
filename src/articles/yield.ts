/**
 * Lets the event loop serve timers, I/O and other requests before work goes on. A macrotask: a
 * resolved promise (a microtask) would run before any of them.
 */
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * For loops over units of uneven cost: call the returned function between units, and it yields
 * once budgetMs of work has run since the last yield. 8 ms of work at a time keeps a request that
 * arrives meanwhile well under a frame's worth of waiting, at about one timer's cost per slice.
 */
export function yieldEvery(budgetMs = 8): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < budgetMs) return;
    await nextMacrotask();
    since = Date.now();
  };
}
