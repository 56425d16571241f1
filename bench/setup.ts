/** Signing every variant in and giving the floor the very session our middleware stored. */
import { storedSession } from './footprint.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { callbackUrl, cookieFor, signIn } from './sign-in.js';
import type { Variant } from './variant-server.js';

/** Signs in once through each app's own routes; the Cookie header of each, by variant. */
export async function signInAll(
  provider: ProviderHandle,
  apps: readonly VariantHandle[],
): Promise<Map<VariantHandle, string>> {
  await provider.setRedirectUris(apps.map(callbackUrl));
  const cookies = new Map<VariantHandle, string>();
  for (const app of apps) {
    if (app.variant === 'bare' || app.variant === 'session' || app.variant === 'session-layers') {
      continue;
    }
    cookies.set(app, cookieFor(app, await signIn(app)));
  }
  return cookies;
}

/** The session our middleware stored, without express-session's cookie record. */
export async function sessionContent(
  ours: VariantHandle,
  oursCookie: string,
): Promise<Record<string, unknown>> {
  const { data } = await storedSession(ours, oursCookie);
  const { cookie: _cookie, ...content } = data;
  return content;
}

/** Seeds the floor with the session our middleware stored, so both parse the same bytes. */
export async function seedFloor(
  floor: VariantHandle,
  ours: VariantHandle,
  oursCookie: string,
): Promise<string> {
  const response = await fetch(new URL('/__bench/seed', floor.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(await sessionContent(ours, oursCookie)),
  });
  await response.arrayBuffer();
  const [setCookie] = response.headers.getSetCookie();
  if (response.status !== 200 || setCookie === undefined)
    throw new Error('could not seed the floor');
  return setCookie.split(';')[0]!;
}

/** The first app of this variant. */
export function appOf(apps: readonly VariantHandle[], variant: Variant): VariantHandle {
  const app = apps.find((a) => a.variant === variant);
  if (app === undefined) throw new Error(`no ${variant} app was started`);
  return app;
}
