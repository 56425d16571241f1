/**
 * The `pages` option: the application's own rendering of the sign-in chooser and the error page,
 * and what each page is given.
 */
import type { Request } from 'express';
import type { OAuthError } from '../errors.js';

/** A provider as the sign-in chooser (GET `/login` with several providers) lists it. */
export interface OAuthChooserProvider {
  /** The configured name, e.g. `alpaca`. */
  readonly name: string;
  /** For people, e.g. `Alpaca` (the provider's `label`). */
  readonly label: string;
  /** The path that starts its login, with the `returnTo` kept, e.g. `/login/alpaca?returnTo=%2F`. */
  readonly loginUrl: string;
}

/** What {@link OAuthPages.chooser} receives. */
export interface OAuthChooserPageContext {
  /** Every configured provider, in the order of `providers`. */
  readonly providers: readonly OAuthChooserProvider[];
  /** The same-origin path the user will land on after signing in. */
  readonly returnTo: string;
}

/** What {@link OAuthPages.error} receives: the error, and words for the person who met it. */
export interface OAuthErrorPageContext {
  /** The error itself, for the page's small print: `error.code`, `error.errorDescription`. */
  readonly error: OAuthError;
  /** The HTTP status the page is sent with. */
  readonly status: number;
  /** A short title for people, e.g. `Sign-in cancelled`. */
  readonly title: string;
  /** One sentence for the person in front of the browser (not for the developer). */
  readonly message: string;
  /** A link that gets them going again: a new login, or the application's home. */
  readonly nextStep: {
    /** The link text, e.g. `Sign in again` or `Go to the home page`. */
    readonly label: string;
    /** A path on the application: the login route, or the root of `baseURL`. */
    readonly href: string;
  };
  /** Seconds after which trying again makes sense, when the provider said so. */
  readonly retryAfter: number | undefined;
}

/**
 * The application's own rendering of the package's pages, as Auth.js's `pages` option: each
 * function returns the whole HTML page, or `undefined` to keep the built-in one. The returned
 * page is sent as it is (status, `Cache-Control: no-store`), under the application's own
 * Content-Security-Policy; everything it shows from the context must be HTML-escaped. JSON
 * clients still get JSON errors.
 *
 * @example
 * ```ts
 * oauthMiddleware({
 *   baseURL,
 *   providers,
 *   pages: {
 *     chooser: ({ providers }, req) =>
 *       layout('Sign in', providers.map((p) => `<a href="${escape(p.loginUrl)}">${escape(p.label)}</a>`).join('')),
 *     error: ({ title, message, nextStep, error }) =>
 *       layout(title, `<p>${escape(message)}</p><a href="${escape(nextStep.href)}">${escape(nextStep.label)}</a>
 *         <small>${error.code}</small>`),
 *   },
 * });
 * ```
 */
export interface OAuthPages {
  /** GET `/login` with several providers and no `defaultProvider`: the list of providers. */
  chooser?: (context: OAuthChooserPageContext, req: Request) => string | undefined;
  /**
   * A failure shown to a browser (one that accepts HTML), unless `onError` is set; `req.oauthUser`
   * tells whether someone is signed in.
   */
  error?: (context: OAuthErrorPageContext, req: Request) => string | undefined;
}
