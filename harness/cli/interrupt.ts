// Ctrl-C and SIGTERM for the long-running commands: the first one aborts (the command then stops what it started,
// keeps what it has and exits 130); node's default would kill simcert at once and leave children and half-written
// reports behind. Through `npm run`, npm passes the signal on to node, so the same handler runs.
export interface Interruption {
  signal: AbortSignal;
  /** Removes the handlers (node's defaults apply again). */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers. `onFirst` says what happens now; a second signal calls `onAgain` (default: a
 * note that simcert is still stopping, so a second Ctrl-C does not orphan the children it is stopping).
 */
export function onInterrupt(onFirst: (signal: NodeJS.Signals) => void, onAgain?: (signal: NodeJS.Signals) => void): Interruption {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      if (onAgain) onAgain(signal);
      else process.stderr.write(`simcert: ${signal} again: still stopping the children and writing the partial report\n`);
      return;
    }
    onFirst(signal);
    controller.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
