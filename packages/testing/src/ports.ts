import { createServer } from "node:net";

/**
 * A loopback port nothing listens on: bound, then closed. What a refused connection is tested
 * against (a real ECONNREFUSED, not a mock).
 *
 * @example
 * const port = await closedPort(); // fetch(`http://127.0.0.1:${port}/`) rejects: ECONNREFUSED
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
