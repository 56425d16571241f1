import type { Request } from 'express';
import { OAuthError } from '../errors.js';

/** The same bound as the query string of a GET callback (callback-query.ts). */
const MAX_BODY_BYTES = 16_384;

function invalid(message: string): OAuthError {
  return new OAuthError(message, { code: 'OAUTH_INVALID_CALLBACK' });
}

/**
 * The body of a `form_post` callback as a query string, read by the middleware itself and bounded:
 * `application/x-www-form-urlencoded` only, at most 16 KiB, aborted beyond it. The callback then
 * checks it exactly as a GET's query (one value per name, no brackets, no tokens). A body that
 * an application's own parser already read is taken from `req.body` when it is flat strings.
 *
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
 */
export async function readCallbackForm(req: Request): Promise<string> {
  const [type = ''] = (req.headers['content-type'] ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
    throw invalid('the callback POST must be a form (application/x-www-form-urlencoded)');
  }
  if (req.originalUrl.includes('?')) {
    throw invalid('the callback POST carries parameters in its URL too');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    throw invalid('the callback form is too long');
  }
  if (req.readableEnded) return parsedBody(req.body);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Nothing beyond the bound is buffered: the rest of the body is not read.
    if (size > MAX_BODY_BYTES) throw invalid('the callback form is too long');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parsedBody(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw invalid('the callback form has a parameter that is not a single string');
  }
  const form = new URLSearchParams(entries as [string, string][]).toString();
  if (form.length > MAX_BODY_BYTES) throw invalid('the callback form is too long');
  return form;
}
