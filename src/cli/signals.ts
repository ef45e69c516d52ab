/**
 * Runs `handler` on Ctrl-C (SIGINT) or SIGTERM instead of dying at once, so a command
 * can finish what it sent and report. A second Ctrl-C exits straight away. Returns the
 * function that removes the handlers.
 */
export function onInterrupt(handler: () => void): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    handler();
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
