/** Starts the example app on a free port, as server.ts does, for the example app's tests. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createExampleApp } from '../../example-app/app.js';
import type { ExampleApp } from '../../example-app/app.js';

/** Accept header of a browser navigating to a page. */
export const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

export interface RunningExample {
  /** Where the app listens, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly example: ExampleApp;
  /** Closes the server, then what the app started (its simulators). */
  stop(): Promise<void>;
}

/** With `env: {}` (no OIDC_*), the app starts its demo providers. */
export async function startExample(env: NodeJS.ProcessEnv = {}): Promise<RunningExample> {
  // The embedded provider's issuer embeds the port, so listen first, then build the app.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const example = await createExampleApp({ port, host: '127.0.0.1', env });
  server.on('request', example.app);
  return {
    url: `http://127.0.0.1:${port}`,
    example,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
    },
  };
}
