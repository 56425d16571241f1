/**
 * Starts the example app: `npm start` (from the repository root), then open the printed URL.
 *
 *   PORT                 port to listen on (default 3000)
 *   OIDC_ISSUER          use this OpenID Provider instead of the embedded demo one...
 *   OIDC_CLIENT_ID       ...with this client, registered with the redirect URI <BASE_URL>/callback
 *   OIDC_CLIENT_SECRET   ...and this secret
 *   BASE_URL             where the app is reached (default http://localhost:PORT)
 *   OIDC_SCOPE           scopes to ask for (default "openid profile email")
 *   SESSION_SECRET       signs the session cookie (default: random at every start)
 */
import { ConfigurationError, createExampleApp } from './app.js';

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
  const { app, baseURL, providerLabel, demoLogin } = await createExampleApp({ port, host: HOST });
  const server = app.listen(port, HOST, () => {
    const login = demoLogin === undefined ? '' : `; log in as "${demoLogin}" with any password`;
    console.log(`Example app: open ${baseURL}/ (signing in with ${providerLabel}${login})`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} is already in use; start with another one, e.g. PORT=3001 npm start.`
        : `Could not start the example app: ${error.message}`,
    );
    process.exit(1);
  });
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
