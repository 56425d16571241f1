/** Quieting oidc-provider's development notices, which are expected in tests and only noise. */
import type * as OidcProviderModule from 'oidc-provider';

/** Matches with or without the ANSI colour prefix that `attention.js` adds on a TTY. */
function isNotice(message: unknown): boolean {
  if (typeof message !== 'string') return false;
  const at = Math.max(
    message.indexOf('oidc-provider WARNING: '),
    message.indexOf('oidc-provider NOTICE: '),
  );
  return at >= 0 && at <= 8;
}

let loaded: Promise<typeof OidcProviderModule> | undefined;

/**
 * Imported lazily so the "Unsupported runtime" warning it prints on Node 20 at evaluation time
 * falls inside {@link quietly}; the project supports Node 20 and the warning is noise.
 */
export function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  loaded ??= quietlyAsync(() => import('oidc-provider'));
  return loaded;
}

let quietDepth = 0;
let restoreConsole: (() => void) | undefined;

function muteNotices(): void {
  if (quietDepth++ > 0) return;
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (isNotice(args[0])) return;
      original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  restoreConsole = () => {
    console.warn = warn;
    console.info = info;
  };
}

/** Depth-counted so overlapping async uses cannot leave the console patched. */
function unmuteNotices(): void {
  if (--quietDepth > 0) return;
  restoreConsole?.();
  restoreConsole = undefined;
}

/** The dev-only warnings (devInteractions, etc.) are printed during construction. */
export function quietly<T>(fn: () => T): T {
  muteNotices();
  try {
    return fn();
  } finally {
    unmuteNotices();
  }
}

async function quietlyAsync<T>(fn: () => Promise<T>): Promise<T> {
  muteNotices();
  try {
    return await fn();
  } finally {
    unmuteNotices();
  }
}
