/** requireBearer() against jose's jwtVerify alone: API protection, with no session at all. */
import { startOpenIdProvider } from '../src/testing/index.js';
import { runPerRequest } from './per-request.js';
import type { VariantResult } from './per-request.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';

/**
 * requireBearer() against jose's jwtVerify alone, with the same access token signed by the
 * package's scripted provider (in this process; the apps fetch its keys once).
 */
export async function runBearer(
  benchProvider: ProviderHandle,
  settings: BenchSettings,
  log: (message: string) => void,
): Promise<VariantResult[]> {
  const provider = await startOpenIdProvider();
  const children: VariantHandle[] = [];
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = await provider.sign(
      {
        iss: provider.issuer,
        sub: 'alice',
        aud: 'https://api.bench.example',
        client_id: 'bench-client',
        scope: 'orders:read',
        iat: now,
        exp: now + 3600,
        jti: 'bench',
      },
      { header: { typ: 'at+jwt' } },
    );
    const env = {
      BENCH_BEARER_ISSUER: provider.issuer,
      BENCH_BEARER_CLIENT_ID: provider.clientId,
      BENCH_BEARER_CLIENT_SECRET: provider.clientSecret,
    };
    for (const name of ['jose-floor', 'bearer'] as const) {
      children.push(await startVariant(name, benchProvider, { env }));
    }
    return await runPerRequest(
      children.map((child) => ({
        name: child.variant,
        url: child.url,
        cookie: '',
        authorization: `Bearer ${token}`,
        cpu: () => child.cpu(),
      })),
      { ...settings, onRun: log },
    );
  } finally {
    for (const child of children) await child.stop();
    await provider.close();
  }
}
