/**
 * The embedded provider's sign-in and consent, rendered by the example app (oidc-provider's
 * `interactions.url` points here) instead of oidc-provider's development pages, which showed a
 * "DEBUG information" block and imported a web font from the internet.
 *
 * oidc-provider keeps the interaction; these routes only ask for its details
 * (`provider.interactionDetails`) and hand back the result (`provider.interactionFinished`),
 * which redirects the browser to the provider to resume the authorization. Mounted at
 * `<issuer path>/interaction`, where the provider's interaction cookie is sent.
 *
 * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#interactions
 */
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Provider } from 'oidc-provider';

import { providerConsentPage, providerLoginPage } from './provider-pages.js';
import type { DemoLogin } from './views.js';

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 4 does not catch a rejected promise: hand it to the error handler. */
const handle =
  (fn: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };

export function interactionRoutes(provider: Provider, demo: DemoLogin): express.Router {
  const router = express.Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '4kb' });

  async function clientName(clientId: unknown): Promise<string> {
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    return client?.clientName ?? 'the app';
  }

  router.get(
    '/:uid',
    handle(async (req, res) => {
      const { uid, prompt, params, session } = await provider.interactionDetails(req, res);
      const action = `${req.baseUrl}/${encodeURIComponent(uid)}`;
      const abortUrl = `${action}/abort`;
      const name = await clientName(params.client_id);
      res.setHeader('Cache-Control', 'no-store');
      if (prompt.name === 'login') {
        res.type('html').send(providerLoginPage({ action, abortUrl, clientName: name, demo }));
        return;
      }
      if (prompt.name === 'consent') {
        const scopes = String(params.scope ?? 'openid')
          .split(' ')
          .filter((scope) => scope !== '');
        res.type('html').send(
          providerConsentPage({
            action,
            abortUrl,
            clientName: name,
            accountId: session?.accountId ?? 'you',
            scopes,
          }),
        );
        return;
      }
      res.status(501).type('text').send(`unsupported prompt "${prompt.name}"`);
    }),
  );

  router.post(
    '/:uid',
    urlencoded,
    handle(async (req, res) => {
      const details = await provider.interactionDetails(req, res);
      const body = req.body as Record<string, unknown>;
      if (details.prompt.name === 'login') {
        // Any password: this provider exists to try sign-in, not to guard anything.
        const login = typeof body.login === 'string' ? body.login.trim() : '';
        if (login === '') {
          res
            .status(400)
            .type('html')
            .send(
              providerLoginPage({
                action: `${req.baseUrl}/${encodeURIComponent(details.uid)}`,
                abortUrl: `${req.baseUrl}/${encodeURIComponent(details.uid)}/abort`,
                clientName: await clientName(details.params.client_id),
                demo,
                error: 'Type a username (any password works).',
              }),
            );
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grantId = await grantConsent(provider, details);
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    }),
  );

  router.get(
    '/:uid/abort',
    handle(async (req, res) => {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the user denied access' },
        { mergeWithLastSubmission: false },
      );
    }),
  );

  return router;
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Grants what the consent prompt asked for, as oidc-provider's own development pages do. */
async function grantConsent(provider: Provider, interaction: Interaction): Promise<string> {
  const { details } = interaction.prompt;
  const grant =
    interaction.grantId === undefined
      ? new provider.Grant({
          accountId: interaction.session?.accountId,
          clientId: String(interaction.params.client_id),
        })
      : await provider.Grant.find(interaction.grantId);
  if (grant === undefined) throw new Error('the interaction names a grant that does not exist');
  const scopes = details.missingOIDCScope;
  if (Array.isArray(scopes)) grant.addOIDCScope(scopes.join(' '));
  const claims = details.missingOIDCClaims;
  if (Array.isArray(claims)) grant.addOIDCClaims(claims as string[]);
  const resources = details.missingResourceScopes;
  if (resources !== undefined && typeof resources === 'object') {
    for (const [indicator, scope] of Object.entries(resources as Record<string, string[]>)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  return grant.save();
}
