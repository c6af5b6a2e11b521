// Whether a process of this host still runs, for the files that record their owner's pid (a run's staging folder,
// the authentication ledger's lock): signal 0 tests without sending anything; EPERM means it runs as someone else.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
