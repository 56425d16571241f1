/**
 * The rules a guarded route states about who may use it (`scopes`, `claims`), checked the same
 * way whether the caller is a signed-in session (`requireAuth()`) or an access token
 * (`requireBearer()`).
 */

/** The first required scope that `granted` (a space-separated scope string) lacks. */
export function missingScope(
  granted: string | undefined,
  required: readonly string[],
): string | undefined {
  if (required.length === 0) return undefined;
  const scopes = new Set((granted ?? '').split(' '));
  return required.find((scope) => !scopes.has(scope));
}

/** The first required claim the claims do not meet: equal to the value, or containing it. */
export function unmetClaim(
  claims: Readonly<Record<string, unknown>>,
  required: readonly (readonly [string, string | number | boolean])[],
): string | undefined {
  const unmet = required.find(([name, expected]) => {
    const actual = claims[name];
    return Array.isArray(actual) ? !actual.includes(expected) : actual !== expected;
  });
  return unmet?.[0];
}
