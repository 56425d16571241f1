/** A browser-less driver for the test provider's development login, consent and logout pages. */
import { CookieJar } from './cookie-jar.js';

export interface CompleteLoginOptions {
  /** Login name typed into the dev login form (default 'alice'). */
  account?: string;
  /**
   * 'deny' aborts at the consent prompt, so the provider answers `error=access_denied`. When
   * the account already granted everything requested (a second login with the same jar),
   * there is no consent prompt and a code comes back even with 'deny'.
   */
  consent?: 'approve' | 'deny';
  /** Provider cookies to send and update; reuse across calls to test SSO. */
  jar?: CookieJar;
  /** The browser's `fetch`; default the global one (one that trusts a test CA, for https). */
  fetch?: typeof fetch;
}

/** Enough for login + consent + their resumes, with room for an unexpected extra hop. */
const MAX_HOPS = 12;

interface PendingRequest {
  url: URL;
  method: 'GET' | 'POST';
  form?: Record<string, string>;
}

/**
 * Plays the browser through oidc-provider's devInteractions: follows the provider's redirects
 * (never the final one), keeps its cookies, submits the login form with `account`, then
 * approves or aborts the consent prompt.
 *
 * The forms are read from the rendered HTML rather than guessed, so the helper follows the
 * provider wherever it is mounted: both post to `<issuer>/interaction/<uid>` with
 * `prompt=login&login=<account>&password=<any>` or `prompt=consent`; aborting is a GET of
 * `<issuer>/interaction/<uid>/abort`.
 *
 * @returns the redirect back to the relying party: the `redirect_uri` with `code`, `state`,
 *   `iss`, or with `error`, `state`, `iss`. "Back to the RP" means the `redirect_uri` given in
 *   the authorization URL, or failing that any origin other than the authorization endpoint's.
 * @throws Error with the status and a body snippet on anything unexpected.
 */
export async function completeLogin(
  authorizationUrl: string | URL,
  options: CompleteLoginOptions = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const account = options.account ?? 'alice';
  const jar = options.jar ?? new CookieJar();
  const isBackToClient = backToClientMatcher(start);
  let next: PendingRequest = { url: start, method: 'GET' };
  let loginSubmitted = false;

  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const { response, body } = await send(next, jar, options.fetch);
    const location = redirectTarget(response, next.url);
    if (location !== undefined) {
      if (isBackToClient(location)) return location;
      next = { url: location, method: 'GET' };
      continue;
    }
    // form_post: the provider's page posts the answer back; returned as a URL with the form
    // fields as its query, for the test to POST them.
    const posted = response.status === 200 ? parseFormPost(body, next.url) : undefined;
    if (posted !== undefined && isBackToClient(posted)) return posted;
    const prompt = response.status === 200 ? parseInteraction(body, next.url) : undefined;
    if (prompt === undefined) {
      const hint = loginSubmitted
        ? ` (after signing in as "${account}": is that account known?)`
        : '';
      throw unexpected(`completeLogin${hint}`, next, response, body);
    }
    if (prompt.name === 'login') {
      if (loginSubmitted) {
        throw new Error(
          `completeLogin: the provider rejected login "${account}" (unknown account?)`,
        );
      }
      loginSubmitted = true;
      next = loginSubmission(prompt, account);
    } else {
      next = consentStep(prompt, options.consent ?? 'approve');
    }
  }
  throw new Error(`completeLogin: no redirect back to the client after ${MAX_HOPS} hops`);
}

/**
 * Drives RP-initiated logout: follows the provider's redirects from the end-session URL,
 * confirms the "sign out?" form with `logout=yes`, and returns the redirect to the
 * `post_logout_redirect_uri` (with `state`), or, when the RP sent none, the URL of the
 * provider's own success page.
 */
export async function completeLogout(
  endSessionUrl: string | URL,
  options: { jar?: CookieJar } = {},
): Promise<URL> {
  const start = new URL(endSessionUrl);
  const jar = options.jar ?? new CookieJar();
  const postLogout = start.searchParams.get('post_logout_redirect_uri');
  let next: PendingRequest = { url: start, method: 'GET' };
  let confirmed = false;

  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const { response, body } = await send(next, jar);
    const location = redirectTarget(response, next.url);
    if (location !== undefined) {
      if (location.origin !== start.origin || sameEndpoint(location, postLogout)) return location;
      next = { url: location, method: 'GET' };
      continue;
    }
    if (response.status === 200 && confirmed) return next.url;
    const form = response.status === 200 ? parseForm(body, next.url) : undefined;
    if (form === undefined) throw unexpected('completeLogout', next, response, body);
    confirmed = true;
    next = { url: form.action, method: 'POST', form: { ...form.fields, logout: 'yes' } };
  }
  throw new Error(`completeLogout: no final redirect after ${MAX_HOPS} hops`);
}

async function send(
  request: PendingRequest,
  jar: CookieJar,
  fetchImpl: typeof fetch = fetch,
): Promise<{ response: Response; body: string }> {
  const headers = new Headers();
  const cookie = jar.header(request.url);
  if (cookie !== undefined) headers.set('cookie', cookie);
  let body: URLSearchParams | undefined;
  if (request.form !== undefined) body = new URLSearchParams(request.form);
  const response = await fetchImpl(request.url, {
    method: request.method,
    headers,
    body,
    redirect: 'manual',
  });
  jar.store(request.url, response.headers.getSetCookie());
  return { response, body: await response.text() };
}

function redirectTarget(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || location === null) return undefined;
  return new URL(location, base);
}

function backToClientMatcher(authorizationUrl: URL): (location: URL) => boolean {
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri');
  return (location) =>
    sameEndpoint(location, redirectUri) || location.origin !== authorizationUrl.origin;
}

function sameEndpoint(location: URL, expected: string | null): boolean {
  const parsed = expected === null ? null : URL.parse(expected);
  return (
    parsed !== null && location.origin === parsed.origin && location.pathname === parsed.pathname
  );
}

interface InteractionPage {
  name: 'login' | 'consent';
  submitUrl: URL;
  abortUrl: URL | undefined;
}

function parseInteraction(html: string, base: URL): InteractionPage | undefined {
  const form = parseForm(html, base);
  const name = form?.fields.prompt;
  if (form === undefined || (name !== 'login' && name !== 'consent')) return undefined;
  const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
  return {
    name,
    submitUrl: form.action,
    abortUrl: abort === undefined ? undefined : new URL(unescapeHtml(abort), base),
  };
}

function loginSubmission(page: InteractionPage, account: string): PendingRequest {
  return {
    url: page.submitUrl,
    method: 'POST',
    // devInteractions accepts any password; the field is sent because the form has it.
    form: { prompt: 'login', login: account, password: 'any-password' },
  };
}

function consentStep(page: InteractionPage, consent: 'approve' | 'deny'): PendingRequest {
  if (consent === 'approve') {
    return { url: page.submitUrl, method: 'POST', form: { prompt: 'consent' } };
  }
  if (page.abortUrl === undefined) {
    throw new Error('completeLogin: the consent page has no abort link to deny with');
  }
  return { url: page.abortUrl, method: 'GET' };
}

/** The first form of the page: its action and hidden inputs. */
function parseForm(
  html: string,
  base: URL,
): { action: URL; fields: Record<string, string> } | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (formMatch === null) return undefined;
  const action = /\baction="([^"]*)"/i.exec(formMatch[0])?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const input of formMatch[1]?.match(/<input\b[^>]*>/gi) ?? []) {
    const type = /\btype="([^"]*)"/i.exec(input)?.[1];
    const name = /\bname="([^"]*)"/i.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(input)?.[1] ?? '';
    if (type === 'hidden' && name !== undefined) fields[name] = unescapeHtml(value);
  }
  return { action: new URL(unescapeHtml(action), base), fields };
}

function unexpected(
  helper: string,
  request: PendingRequest,
  response: Response,
  body: string,
): Error {
  const snippet = body.replace(/\s+/g, ' ').slice(0, 500);
  return new Error(
    `${helper}: unexpected ${response.status} from ${request.method} ${request.url.href}: ${snippet}`,
  );
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#x([\da-f]+);/gi, (_match, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_match, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** oidc-provider's form_post page: its form's action, with the hidden fields as the query. */
function parseFormPost(body: string, base: URL): URL | undefined {
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(body);
  if (form === null || body.includes('name="prompt"')) return undefined;
  const url = new URL(decodeEntities(form[1]!), base);
  for (const input of body.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) {
    url.searchParams.append(decodeEntities(input[1]!), decodeEntities(input[2]!));
  }
  return url;
}
