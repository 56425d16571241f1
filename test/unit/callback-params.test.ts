import { describe, expect, it } from 'vitest';
import { parseCallbackQuery } from '../../src/routes/callback-query.js';

function reject(url: string): unknown {
  try {
    parseCallbackQuery(url);
  } catch (error) {
    return error;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseCallbackQuery', () => {
  it('returns the parameters of a well-formed callback', () => {
    const params = parseCallbackQuery('/callback?code=abc&state=xyz&iss=https%3A%2F%2Fop');
    expect(Object.fromEntries(params)).toEqual({ code: 'abc', state: 'xyz', iss: 'https://op' });
  });

  it.each([
    ['a duplicated state', '/callback?code=a&state=x&state=y', 'given more than once'],
    ['a duplicated code', '/callback?code=a&code=b&state=x', 'given more than once'],
    ['a bracketed state', '/callback?code=a&state[]=x', 'array-valued'],
    ['an indexed state', '/callback?code=a&state[0]=x', 'array-valued'],
    ['an oversized state', `/callback?code=a&state=${'s'.repeat(5000)}`, 'too long'],
    ['an oversized query', `/callback?${'a=1&'.repeat(5000)}`, 'too long'],
    [
      'too many parameters',
      `/callback?${Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&')}`,
      'too many',
    ],
    [
      'an access token in the URL',
      '/callback?code=a&state=x&access_token=t',
      'tokens must come from the token endpoint',
    ],
    [
      'an ID token in the URL',
      '/callback?state=x&id_token=t',
      'tokens must come from the token endpoint',
    ],
  ])('refuses %s with OAUTH_INVALID_CALLBACK', (_name, url, message) => {
    expect(reject(url)).toMatchObject({
      code: 'OAUTH_INVALID_CALLBACK',
      status: 400,
      message: expect.stringContaining(message),
    });
  });
});
