/** One link of an error's cause chain, as far as the package reads it: structured fields only. */
export interface ErrorLink {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly status?: unknown;
}

/**
 * The error and its causes, outermost first (openid-client wraps oauth4webapi's errors, fetch
 * wraps the socket's), at most six deep. The one walker every error mapping uses.
 */
export function causeChain(error: unknown): ErrorLink[] {
  const found: ErrorLink[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && found.length < 6) {
    found.push(current as ErrorLink);
    current = (current as ErrorLink).cause;
  }
  return found;
}

/**
 * The first `Response` in the chain: what the provider answered, when it answered. A `fetch`
 * option built on the undici package returns that package's `Response`, another class than the
 * global one, so its tag is compared too (as oauth4webapi does).
 */
export function responseInChain(error: unknown): Response | undefined {
  return causeChain(error).find(
    (link): link is ErrorLink & Response =>
      link instanceof Response || Object.prototype.toString.call(link) === '[object Response]',
  );
}

/** The innermost message, for the developer's detail (never to decide anything). */
export function innermostMessage(error: unknown): string | undefined {
  return causeChain(error)
    .map((link) => link.message)
    .filter((m): m is string => typeof m === 'string' && m !== '')
    .at(-1);
}

/** The structured cause oauth4webapi attached to its innermost error carrying `code`. */
export function libraryCause(error: unknown, code: string): unknown {
  return causeChain(error)
    .filter((link) => link.code === code)
    .at(-1)?.cause;
}
