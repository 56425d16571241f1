import type { Response } from 'supertest';
import { expect } from 'vitest';
import type { Agent } from '../helpers/login.js';

/**
 * A failed flow answered the way every provider's failures are: the status and stable code in
 * JSON, no stack trace, and nobody signed in afterwards.
 */
export async function expectRefused(
  agent: Agent,
  response: Response,
  status: number,
  code: string,
): Promise<void> {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(JSON.stringify(response.body)).not.toMatch(/at .+:\d+:\d+/);
  await expectSignedOut(agent);
}

/** No session was created (or the one there was has ended). */
export async function expectSignedOut(agent: Agent): Promise<void> {
  const home = await agent.get('/').expect(200);
  expect(home.body).toEqual({ signedIn: false, user: null });
}

/** The pending callback's URL with one query parameter changed, as a forger would send it. */
export function withParam(url: URL, name: string, value: string): URL {
  const forged = new URL(url);
  forged.searchParams.set(name, value);
  return forged;
}
