import type { OAuthError, OAuthErrorCode } from '../errors.js';

/**
 * What the error page says to the person in front of the browser, for every error code: a short
 * title, one plain sentence, and a next step that works from where they are. The developer's
 * detail (the code, the message, the provider's `error_description`) is not here: it goes in the
 * page's small print and in the log.
 */
export interface ErrorWording {
  readonly title: string;
  readonly message: string;
  /** `sign-in` starts a new login (the login route); `home` goes to the application's root. */
  readonly next: 'sign-in' | 'home';
  /** The next step's link text. */
  readonly action: string;
}

const SIGN_IN_AGAIN = { next: 'sign-in', action: 'Sign in again' } as const;
const TRY_AGAIN = { next: 'sign-in', action: 'Try again' } as const;
const HOME = { next: 'home', action: 'Go to the home page' } as const;

/** One entry per code: a test fails when a code is added without its words. */
export const ERROR_WORDING: Readonly<Record<OAuthErrorCode, ErrorWording>> = {
  OAUTH_INVALID_CALLBACK: {
    title: 'This sign-in link is broken',
    message: 'The page you came back from sent an incomplete or altered link, so it was not used.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_METHOD_NOT_ALLOWED: {
    title: 'This address only works from a button',
    message:
      'Signing in and out happen through the buttons of this site, not by opening a link or typing an address.',
    ...HOME,
  },
  OAUTH_STATE_MISSING: {
    title: 'This sign-in link is incomplete',
    message: 'The link you came back with does not say which sign-in it belongs to.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_NO_TRANSACTION: {
    title: 'This sign-in is no longer open',
    message:
      'This browser has no sign-in waiting to finish: it was already used, it began in another browser, or cookies were cleared.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_STATE_MISMATCH: {
    title: 'This sign-in is no longer open',
    message:
      'This link belongs to a sign-in that was already used or that this browser did not start.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_TRANSACTION_EXPIRED: {
    title: 'The sign-in took too long',
    message: 'For your safety a sign-in must be finished within a few minutes.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_ACCESS_DENIED: {
    title: 'Sign-in cancelled',
    message: 'Access was not allowed, so nothing was shared with this site.',
    ...TRY_AGAIN,
  },
  OAUTH_AUTHORIZATION_ERROR: {
    title: 'The sign-in was stopped',
    message: 'The sign-in service ended the sign-in before it was complete.',
    ...TRY_AGAIN,
  },
  OAUTH_PROVIDER_ERROR: {
    title: 'The sign-in service refused',
    message: 'The sign-in service answered with an error, so you could not be signed in.',
    ...TRY_AGAIN,
  },
  OAUTH_INVALID_GRANT: {
    title: 'This sign-in could not be finished',
    message: 'The one-time code of this sign-in was refused; it may have been used already.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_CLIENT_REJECTED: {
    title: 'Sign-in is not set up correctly',
    message:
      'The sign-in service does not recognise this site. Nothing is wrong with your account; the site’s owners need to fix this.',
    ...HOME,
  },
  OAUTH_INVALID_RESPONSE: {
    title: 'The sign-in service gave an odd answer',
    message: 'Its answer could not be checked, so it was not trusted.',
    ...TRY_AGAIN,
  },
  OAUTH_ID_TOKEN_INVALID: {
    title: 'The sign-in could not be verified',
    message: 'The proof of who you are did not pass its checks, so it was not trusted.',
    ...TRY_AGAIN,
  },
  OAUTH_ISSUER_MISMATCH: {
    title: 'The sign-in came from the wrong place',
    message: 'The answer came from another sign-in service than the one this site uses.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_PROVIDER_UNAVAILABLE: {
    title: 'The sign-in service is unavailable',
    message: 'It could not be reached or is having trouble. It is usually back within minutes.',
    ...TRY_AGAIN,
  },
  OAUTH_PROVIDER_TIMEOUT: {
    title: 'The sign-in service did not answer',
    message: 'It took too long to reply. It is usually back within minutes.',
    ...TRY_AGAIN,
  },
  OAUTH_RATE_LIMITED: {
    title: 'Too many sign-ins right now',
    message: 'The sign-in service asked this site to slow down.',
    ...TRY_AGAIN,
  },
  OAUTH_LOGIN_REQUIRED: {
    title: 'Please sign in',
    message: 'This page is for signed-in users, or your sign-in has ended.',
    next: 'sign-in',
    action: 'Sign in',
  },
  OAUTH_SIGN_IN_REFUSED: {
    title: 'Sign-in not allowed',
    message:
      'Your account cannot sign in to this site. If you think it should, contact its support.',
    ...HOME,
  },
  OAUTH_INSUFFICIENT_AUTHENTICATION: {
    title: 'A stronger sign-in is needed',
    message:
      'This page needs a more recent or stronger sign-in than your provider gave. Sign in again, with the stronger method if you are offered one.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_FORBIDDEN: {
    title: 'No access to this page',
    message: 'You are signed in, but your account is not allowed to see this page.',
    ...HOME,
  },
  OAUTH_CROSS_SITE_REQUEST: {
    title: 'Sign-out refused',
    message: 'Another site tried to sign you out. You are still signed in here.',
    ...HOME,
  },
  OAUTH_SUBJECT_MISMATCH: {
    title: 'You were signed out',
    message: 'The sign-in service now names another account than the one signed in here.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_SESSION_MISSING: {
    title: 'Sign-in is not set up correctly',
    message: 'This site cannot keep anyone signed in yet; the site’s owners need to fix this.',
    ...HOME,
  },
  OAUTH_SESSION_ERROR: {
    title: 'Something went wrong on our side',
    message: 'Your session could not be saved. Please try again in a moment.',
    ...HOME,
  },
  OAUTH_STORE_UNAVAILABLE: {
    title: 'This site is briefly unavailable',
    message:
      'Your session could not be reached just now; nothing was lost. Please try again in a moment.',
    ...TRY_AGAIN,
  },
  OAUTH_CREDENTIALS_REJECTED: {
    title: 'A service this site uses refused it',
    message: 'Nothing is wrong with your account; the site’s owners need to fix this.',
    ...HOME,
  },
  OAUTH_INTERNAL_ERROR: {
    title: 'Something went wrong on our side',
    message: 'An unexpected error stopped the sign-in. It has been logged.',
    ...HOME,
  },
  OAUTH_LOGOUT_TOKEN_INVALID: {
    title: 'Sign-out notice refused',
    message: 'A sign-out notice from the sign-in service did not pass its checks.',
    ...HOME,
  },
  OAUTH_UNKNOWN_PROVIDER: {
    title: 'No such way to sign in',
    message: 'This site does not offer the sign-in service named in the address.',
    next: 'sign-in',
    action: 'See the ways to sign in',
  },
  OAUTH_TENANT_MISMATCH: {
    title: 'This sign-in belongs to another site',
    message: 'The sign-in you came back from was started on another site, so it was not used here.',
    ...SIGN_IN_AGAIN,
  },
  OAUTH_UNKNOWN_TENANT: {
    title: 'No sign-in here',
    message: 'This address does not belong to any organisation that signs in on this site.',
    ...HOME,
  },
  OAUTH_TENANT_UNAVAILABLE: {
    title: 'Sign-in is not available right now',
    message: 'Signing in to this organisation is not set up correctly. It has been logged.',
    ...HOME,
  },
  // The API guard's codes: API clients read the JSON and the challenge; a person who opens an API
  // address in a browser reads these.
  OAUTH_INVALID_TOKEN: {
    title: 'This address is for programs',
    message: 'Only programs with their own credentials can use it; a browser cannot.',
    ...HOME,
  },
  OAUTH_INSUFFICIENT_SCOPE: {
    title: 'Not allowed with this access',
    message: 'The access given to the program calling this address does not cover this request.',
    ...HOME,
  },
  OAUTH_INVALID_REQUEST: {
    title: 'This request cannot be read',
    message: 'The program calling it sent its credentials in a way this site does not accept.',
    ...HOME,
  },
  OAUTH_INVALID_DPOP_PROOF: {
    title: 'This address is for programs',
    message:
      'Only programs that can prove they hold their credentials can use it; a browser cannot.',
    ...HOME,
  },
  OAUTH_USE_DPOP_NONCE: {
    title: 'This address is for programs',
    message: 'The program calling it must try again with the value the site gave.',
    ...HOME,
  },
  OAUTH_TOKEN_NOT_SENDER_CONSTRAINED: {
    title: 'Sign-in failed',
    message:
      'The sign-in service issued credentials without the protection this site requires, so they were not used.',
    ...TRY_AGAIN,
  },
  OAUTH_DPOP_NONCE_LOOP: {
    title: 'The sign-in service did not accept this site',
    message: 'It kept asking this site to try again. It is usually fixed within minutes.',
    ...TRY_AGAIN,
  },
  OAUTH_DPOP_PROOF_REQUIRED: {
    title: 'Something went wrong on this site',
    message: 'This page is not set up correctly. Its developers can see why in the log.',
    ...HOME,
  },
};

/** A login the `maxTransactions` limit dropped (routes/callback.ts marks it in the cause). */
const DROPPED_LOGIN: ErrorWording = {
  title: 'Too many sign-ins at once',
  message:
    'Too many sign-ins were started at once in this browser (several tabs, or repeated clicks), so this older one was set aside.',
  ...SIGN_IN_AGAIN,
};

/** The words for `error`, from its code (and, for a dropped login, its structured cause). */
export function describeError(error: OAuthError): ErrorWording {
  const cause: unknown = error.cause;
  if (
    error.code === 'OAUTH_STATE_MISMATCH' &&
    typeof cause === 'object' &&
    cause !== null &&
    (cause as { droppedBy?: unknown }).droppedBy === 'maxTransactions'
  ) {
    return DROPPED_LOGIN;
  }
  // onSignIn() chose its refusal's words for the person in front of the browser.
  if (
    error.code === 'OAUTH_SIGN_IN_REFUSED' &&
    typeof cause === 'object' &&
    cause !== null &&
    (cause as { refusedBy?: unknown }).refusedBy === 'onSignIn'
  ) {
    return { ...ERROR_WORDING.OAUTH_SIGN_IN_REFUSED, message: error.message };
  }
  return ERROR_WORDING[error.code];
}
