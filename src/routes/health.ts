import type { Request, Response } from 'express';
import { checkHealth } from '../observability/health.js';
import type { OAuthRuntime } from '../runtime.js';

/**
 * GET /health (when `routes.health` names it): 200 with the health when this instance can sign
 * people in, 503 otherwise, for a Kubernetes readiness probe.
 */
export function healthRoute(runtime: OAuthRuntime) {
  return function oauthHealth(_req: Request, res: Response): void {
    checkHealth(runtime).then(
      (health) => {
        res.status(health.ready ? 200 : 503).setHeader('Cache-Control', 'no-store');
        res.json(health);
      },
      () => {
        res.status(503).setHeader('Cache-Control', 'no-store');
        res.json({ ready: false });
      },
    );
  };
}
