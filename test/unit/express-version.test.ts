import express from 'express';
import { describe, expect, it } from 'vitest';

// Express 4 still ships express.query(); Express 5 removed it. This proves each vitest project
// really runs the suite against the Express major it is named after.
describe('the Express under test', () => {
  it('is the major this project is named after', () => {
    const major = 'query' in express && typeof express.query === 'function' ? 4 : 5;
    expect(`express${major}`).toBe(
      expect.getState().currentTestName ? process.env.EXPRESS_PROJECT : '',
    );
  });
});
