/**
 * Runs `build` (making a command validates its arguments). A throw goes to `sink.error`
 * instead, so a bad argument reaches the caller through the returned Observable before a
 * byte is written, and `undefined` comes back: the caller then sends nothing.
 */
export function buildOrFail<T>(build: () => T, sink: { error(error: unknown): void }): T | undefined {
  try {
    return build();
  } catch (error) {
    sink.error(error);
    return undefined;
  }
}
