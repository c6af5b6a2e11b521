// The two kinds of problem a user can fix before anything runs, and the exit codes every simcert command uses.
// Usage (the command line or a profile) and environment (no reader, no pcscd, no JDK, an output folder that cannot
// be written) are told apart so a lab's scheduler can tell "fix the job" from "fix the machine".

/** Exit codes of every simcert command (README "Exit codes", `simcert --help`). */
export const EXIT = {
  ok: 0,
  /** A test failed (or a bench run stopped on a card error or could not give its figure). */
  failed: 1,
  /** The command line or a profile is wrong; nothing was touched. */
  usage: 2,
  /** The machine is not ready: no PC/SC service or reader, no JDK, an output path that cannot be written. */
  environment: 3,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    every test passed (bench, compare: done)',
  '  1    a test failed, or a bench run stopped on a card error or gave no figure',
  '  2    usage or profile error (nothing was touched)',
  '  3    environment: no PC/SC service or reader, no JDK, an output folder or file that cannot be written',
  '  130  interrupted (Ctrl-C or SIGTERM); a run keeps its partial results under <out>/interrupted/',
].join('\n');

/** The command line asks for something that cannot be done; exit 2. */
export class UsageError extends Error {}

/** The machine is not ready for the run (PC/SC, readers, JDK, a folder to write to); exit 3. */
export class EnvironmentError extends Error {}
