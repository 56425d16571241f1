/**
 * ALGOGENE simulator, built from seed document 000 (ALGOGENE OAuth).
 *
 * What the document says, reproduced as is:
 * - The authorization URL is not built by the client: the server calls
 *   `GET /rest/v1/oauth/authorization?user&api_key&state&redirect_url` with its partner
 *   user id and API key and gets back `{ "url": ... }`, a login page on ALGOGENE.
 * - After login the user is sent back to `redirect_url` with an access token and the state in
 *   the query: there is no code exchange and no client secret in the browser leg.
 * - The profile is `GET /rest/v1/oauth/userinfo?user&api_key&token` (all in the query, even
 *   though the sample sends `Content-Type: application/json`), with `cid`, `name`, `email`,
 *   `profile_url`, `picture`.
 *
 * Where the document is vague, the choices made here (the middleware must be configurable):
 * - Query parameter carrying the token in the redirect: `token` (the same name userinfo takes;
 *   the document's snippet showing it is missing). Configurable with `tokenParam`.
 * - Token lifetime: not stated; 3600 s by default (`tokenLifetimeSeconds`). Expiry is not
 *   announced in the redirect (no `expires_in`); userinfo just starts failing.
 * - Error format: the sample reads `res.json()['url']` without checking the status, so errors
 *   are JSON bodies without `url`. Chosen shape, after ALGOGENE's other REST endpoints:
 *   `{ "status": false, "res": "<message>" }`, HTTP 400 (missing parameter) or 401 (bad
 *   user/api_key/token). `errorsWithHttp200: true` sends the same bodies with HTTP 200, to
 *   prove the relying party looks at the body and not only at the status.
 * - Success bodies are flat (no `{status, res}` envelope), as the sample reads `['url']`
 *   directly and lists the userinfo fields at the top level.
 * - `state` is optional and echoed verbatim when given; `redirect_url` is not pre-registered,
 *   any absolute http(s) URL is accepted, its existing query is kept.
 * - Denial on the login page: redirect with `error=access_denied` and the state (undocumented).
 * - The login page lives at `GET /oauth/login?auth_id=...` and posts to `POST /oauth/login`;
 *   an `auth_id` works until a login completes with it (or is denied), then it is spent.
 *   A token only works with the partner that requested it.
 */
import type { ServerResponse } from 'node:http';
import {
  createLoginFlow,
  createTokenStore,
  type ApproveOptions,
  type LoginPageOptions,
} from './code-flow.js';
import {
  createRecorder,
  first,
  randomToken,
  sendHtml,
  sendJson,
  sendRedirect,
  startSimulatorServer,
  withParams,
  type RecordedRequest,
  type SimulatorBaseOptions,
  type SimulatorRecorder,
  type SimulatorRequest,
} from './simulator-server.js';
import { renderMessagePage } from './page.js';

/** The provider's name on the simulator's pages. */
const PROVIDER = 'ALGOGENE';

/** A partner application: the ALGOGENE user id and API key of the relying party. */
export interface AlgogenePartner {
  readonly user: string;
  readonly apiKey: string;
}

/** An ALGOGENE member who can log in on the simulator's login page. */
export interface AlgogeneMember {
  readonly username: string;
  readonly password: string;
  readonly cid: string;
  readonly name: string;
  readonly email: string;
  readonly profile_url: string;
  readonly picture: string;
}

/** Options of {@link startAlgogeneSimulator}. */
export interface AlgogeneSimulatorOptions extends SimulatorBaseOptions, LoginPageOptions {
  readonly partners?: readonly AlgogenePartner[];
  readonly members?: readonly AlgogeneMember[];
  /** Query parameter carrying the access token in the redirect; default `token`. */
  readonly tokenParam?: string;
  /** Access-token lifetime in seconds; default 3600. */
  readonly tokenLifetimeSeconds?: number;
  /** Answer errors with HTTP 200 (the body still has no `url`); default false. */
  readonly errorsWithHttp200?: boolean;
}

/** A running ALGOGENE simulator. */
export interface AlgogeneSimulator extends SimulatorRecorder {
  /** Base URL, standing for `https://algogene.com`. */
  readonly url: string;
  readonly authorizationEndpoint: string;
  readonly userinfoEndpoint: string;
  /** The first partner, the one tests normally configure the relying party with. */
  readonly partner: AlgogenePartner;
  readonly partners: readonly AlgogenePartner[];
  /** The first member, who logs in when `approve()` is given no user. */
  readonly member: AlgogeneMember;
  readonly members: readonly AlgogeneMember[];
  readonly tokenParam: string;
  /** Access tokens issued so far, oldest first. */
  readonly issuedTokens: readonly string[];
  /** Makes every access token issued so far expired. */
  expireTokens(): void;
  /** Plays the member on the login page `loginUrl` (the `url` the API returned). */
  approve(loginUrl: string | URL, options?: ApproveOptions): Promise<URL>;
  close(): Promise<void>;
}

interface PendingLogin {
  readonly authId: string;
  readonly partnerUser: string;
  readonly redirectUrl: string;
  readonly state: string | undefined;
}

interface IssuedToken {
  readonly partnerUser: string;
  readonly member: AlgogeneMember;
}

const DEFAULT_MEMBER: AlgogeneMember = {
  username: 'alice',
  password: 'alice-password',
  cid: 'cid-alice-0001',
  name: 'Alice Quant',
  email: 'alice@example.com',
  profile_url: 'https://algogene.com/user/cid-alice-0001',
  // A path: the simulator serves the picture itself (a real site's would be a request off the
  // machine), and it is answered as an absolute URL on the simulator.
  picture: '/static/avatar/cid-alice-0001.svg',
};

/** Alice's avatar: her initials on a circle, drawn inline. */
const AVATAR =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" ' +
  'fill="#0f766e"/><text x="48" y="60" font-family="system-ui,sans-serif" font-size="38" ' +
  'font-weight="700" fill="#fff" text-anchor="middle">AQ</text></svg>';

/** Starts an ALGOGENE simulator on 127.0.0.1. */
export async function startAlgogeneSimulator(
  options: AlgogeneSimulatorOptions = {},
): Promise<AlgogeneSimulator> {
  const partners = options.partners ?? [{ user: 'partner-user', apiKey: 'partner-api-key' }];
  const members = options.members ?? [DEFAULT_MEMBER];
  const firstPartner = first(partners, 'partner');
  const firstMember = first(members, 'member');
  const tokenParam = options.tokenParam ?? 'token';
  const lifetimeMs = (options.tokenLifetimeSeconds ?? 3600) * 1000;
  const now = options.now ?? (() => Date.now());
  const log: RecordedRequest[] = [];
  const logins = new Map<string, PendingLogin>();
  const flow = createLoginFlow<PendingLogin, AlgogeneMember>({
    provider: PROVIDER,
    title: 'Login ALGOGENE',
    action: '/oauth/login',
    users: members,
    hint: options.loginHint,
  });
  const tokens = createTokenStore<IssuedToken>(now);
  let baseUrl = '';

  function fail(res: ServerResponse, status: 400 | 401, message: string): void {
    sendJson(res, options.errorsWithHttp200 ? 200 : status, { status: false, res: message });
  }

  // ALGOGENE: every API call authenticates the partner with user + api_key in the query.
  function checkPartner(req: SimulatorRequest, res: ServerResponse): AlgogenePartner | undefined {
    const { user, api_key: apiKey } = req.query;
    if (!user || !apiKey) {
      fail(res, 400, 'missing parameter: user and api_key are required');
      return undefined;
    }
    const partner = partners.find((p) => p.user === user && p.apiKey === apiKey);
    if (!partner) fail(res, 401, 'Invalid user or api_key');
    return partner;
  }

  function authorization(req: SimulatorRequest, res: ServerResponse): void {
    const partner = checkPartner(req, res);
    if (!partner) return;
    const redirectUrl = req.query.redirect_url;
    if (!redirectUrl || !/^https?:\/\//i.test(redirectUrl) || !URL.canParse(redirectUrl)) {
      return fail(res, 400, 'missing or invalid parameter: redirect_url');
    }
    const authId = randomToken();
    logins.set(authId, { authId, partnerUser: partner.user, redirectUrl, state: req.query.state });
    sendJson(res, 200, { url: `${baseUrl}/oauth/login?auth_id=${authId}` });
  }

  function loginPage(req: SimulatorRequest, res: ServerResponse): void {
    const pending = logins.get(req.query.auth_id ?? '');
    if (!pending)
      return sendHtml(
        res,
        400,
        renderMessagePage(PROVIDER, 'This login link is invalid or was used'),
      );
    flow.show(res, pending);
  }

  function loginSubmit(req: SimulatorRequest, res: ServerResponse): void {
    const outcome = flow.submit(req, res);
    if (!outcome || !logins.delete(outcome.grant.authId)) {
      if (outcome)
        sendHtml(res, 400, renderMessagePage(PROVIDER, 'This login link was already used'));
      return;
    }
    const { grant, user } = outcome;
    if (!user) {
      const denied = { error: 'access_denied', state: grant.state };
      return sendRedirect(res, withParams(grant.redirectUrl, denied));
    }
    const token = tokens.issue({ partnerUser: grant.partnerUser, member: user }, lifetimeMs);
    // ALGOGENE: the access token itself comes back in the redirect query, next to the state.
    sendRedirect(res, withParams(grant.redirectUrl, { [tokenParam]: token, state: grant.state }));
  }

  /** A picture given as a path is served by the simulator: answered as a URL on it. */
  function withAbsolutePicture(member: AlgogeneMember): AlgogeneMember {
    return { ...member, picture: new URL(member.picture, baseUrl).href };
  }

  function userinfo(req: SimulatorRequest, res: ServerResponse): void {
    const partner = checkPartner(req, res);
    if (!partner) return;
    const issued = tokens.find(req.query.token);
    if (!issued || issued.partnerUser !== partner.user) {
      return fail(res, 401, 'Invalid or expired token');
    }
    const { cid, name, email, profile_url, picture } = withAbsolutePicture(issued.member);
    sendJson(res, 200, { cid, name, email, profile_url, picture });
  }

  const server = await startSimulatorServer(
    (req, res) => {
      const route = `${req.method} ${req.path}`;
      if (route === 'GET /rest/v1/oauth/authorization') return authorization(req, res);
      if (route === 'GET /oauth/login') return loginPage(req, res);
      if (route === 'POST /oauth/login') return loginSubmit(req, res);
      if (route === 'GET /rest/v1/oauth/userinfo') return userinfo(req, res);
      if (route === 'GET /static/avatar/cid-alice-0001.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
        res.end(AVATAR);
        return;
      }
      sendJson(res, 404, { status: false, res: 'not found' });
    },
    { port: options.port, log },
  );
  baseUrl = server.url;

  return {
    ...createRecorder(log),
    url: server.url,
    authorizationEndpoint: `${server.url}/rest/v1/oauth/authorization`,
    userinfoEndpoint: `${server.url}/rest/v1/oauth/userinfo`,
    partner: firstPartner,
    partners,
    member: withAbsolutePicture(firstMember),
    members: members.map(withAbsolutePicture),
    tokenParam,
    get issuedTokens() {
      return tokens.issued;
    },
    expireTokens: () => tokens.expireAll(),
    approve: (loginUrl, answer) => flow.approve(loginUrl, answer),
    close: () => server.close(),
  };
}
