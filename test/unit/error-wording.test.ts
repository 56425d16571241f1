import { describe, expect, it } from 'vitest';
import { OAuthError, OAuthErrorCodes } from '../../src/index.js';
import { describeError, ERROR_WORDING } from '../../src/routes/error-wording.js';

describe('error wording', () => {
  it.each(Object.values(OAuthErrorCodes))(
    'has a title, a sentence and a next step for %s',
    (code) => {
      const wording = ERROR_WORDING[code];
      expect(wording, code).toBeDefined();
      expect(wording.title.length).toBeGreaterThan(3);
      expect(wording.title.length).toBeLessThanOrEqual(45);
      // A sentence for people: capitalised, ends with a full stop, no code or developer jargon.
      expect(wording.message).toMatch(/^[A-Z].*\.$/);
      expect(wording.message).not.toMatch(/OAUTH_|state|nonce|token|transaction|route/i);
      expect(['sign-in', 'home']).toContain(wording.next);
      expect(wording.action).toMatch(/^[A-Z]/);
    },
  );

  it('has no entry for a code that does not exist', () => {
    expect(Object.keys(ERROR_WORDING).sort()).toEqual(Object.values(OAuthErrorCodes).sort());
  });

  it('never calls a refused GET /logout a failed sign-in, nor offers to try again', () => {
    const wording = ERROR_WORDING.OAUTH_METHOD_NOT_ALLOWED;
    expect(wording.title).not.toMatch(/sign-in failed/i);
    expect(wording.action).not.toMatch(/try again/i);
    expect(wording.next).toBe('home');
  });

  it('says that too many sign-ins were started when the limit dropped the login', () => {
    const dropped = new OAuthError('dropped', {
      code: 'OAUTH_STATE_MISMATCH',
      cause: { droppedBy: 'maxTransactions', maxTransactions: 5 },
    });
    expect(describeError(dropped).message).toMatch(/too many sign-ins were started at once/i);
    const forged = new OAuthError('forged', { code: 'OAUTH_STATE_MISMATCH' });
    expect(describeError(forged)).toBe(ERROR_WORDING.OAUTH_STATE_MISMATCH);
  });
});
