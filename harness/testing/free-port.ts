// Test helper: a loopback TCP port nothing listens on at the moment of asking (the system's pick for port 0, closed
// again), for a reader, relay or host a test wants to be absent, or to start there itself.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
