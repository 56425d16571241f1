/**
 * Starts the example app: `npm start` (from the repository root), then open the printed URL.
 *
 * With no OIDC_* variables it offers five demo providers: an embedded OpenID Provider and
 * simulators of four real providers on free 127.0.0.1 ports; it prints the user to log in as
 * at each. A simulator of Algoreg's server-to-server API backs the /algoreg page. Ctrl-C (SIGINT) or SIGTERM stops the server and the simulators.
 *
 *   PORT                 port to listen on (default 3000)
 *   OIDC_ISSUER          use this OpenID Provider instead of the demo providers...
 *   OIDC_CLIENT_ID       ...with this client, registered with the redirect URI <BASE_URL>/callback
 *   OIDC_CLIENT_SECRET   ...and this secret
 *   BASE_URL             where the app is reached (default http://localhost:PORT)
 *   OIDC_SCOPE           scopes to ask for (default "openid profile email")
 *   SESSION_SECRET       signs the session cookie and encrypts pending logins and tokens; at
 *                        least 32 characters (default: random at every start)
 *   REDIS_URL            keep sessions in Redis, e.g. redis://localhost:6379 (default: in memory);
 *                        instances with the same REDIS_URL and SESSION_SECRET share them
 *   EXAMPLE_RECENT_SIGN_IN_SECONDS
 *                        how recent a sign-in /account/security asks for (requireAuth({ maxAge }));
 *                        default 60. The middleware allows 60 s more for clock differences.
 */
import { bearerExample, ConfigurationError, createExampleApp, startupMessage } from './app.js';

const HOST = 'localhost';

function readPort(value: string | undefined): number {
  const port = Number(value ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigurationError(`PORT must be a port number, got "${value}".`);
  }
  return port;
}

try {
  const port = readPort(process.env.PORT);
  const example = await createExampleApp({ port, host: HOST });
  const server = example.app.listen(port, HOST, (error?: Error) => {
    // Express 5 calls back with the error too (the 'error' listener below says what it is):
    // no banner for a server that is not listening.
    if (error !== undefined) return;
    for (const line of startupMessage(example)) console.log(line);
    console.log(`Sessions: ${example.sessions}`);
    bearerExample(example).then(
      (line) => {
        if (line !== undefined) console.log(line);
      },
      (failure: unknown) => {
        console.error(`Could not get a token for the API example: ${String(failure)}`);
      },
    );
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} is already in use; start with another one, e.g. PORT=${port + 1} npm start.`
        : `Could not start the example app: ${error.message}`,
    );
    void example.close().finally(() => process.exit(1));
  });

  // Stop the simulators with the server: Ctrl-C (SIGINT), or SIGTERM from a process manager.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C does not wait for a stuck close.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping the example app.`);
    server.close();
    server.closeAllConnections();
    example.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Could not stop the demo providers cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  // A configuration mistake is a sentence for the user, not a stack trace.
  // oauthMiddleware() reports bad options as a TypeError with a Node-style code.
  const optionError = error instanceof TypeError && 'code' in error;
  if (error instanceof ConfigurationError || optionError) {
    console.error(`Cannot start the example app: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
