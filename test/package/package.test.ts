import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// The packed tarball, installed into throwaway CommonJS, ESM and TypeScript consumers: what a
// user downloads is what is tested, exports map and type declarations included.
let work: string;
let consumer: string;

async function link(name: string): Promise<void> {
  const target = join(consumer, 'node_modules', name);
  await mkdir(join(target, '..'), { recursive: true });
  await symlink(join(root, 'node_modules', name), target, 'dir');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'express-oauth-rp-pack-'));
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: root });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules', 'express-oauth-rp');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, packed!.filename), '-C', installed, '--strip-components=1']);
  // Dependencies come from the repository's install, as package.json lists them (so a new one
  // cannot be forgotten here); the package's own files come from the tarball.
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const name of [...Object.keys(manifest.dependencies), 'express', 'express-session']) {
    await link(name);
  }
  for (const name of [
    'express',
    'express-session',
    'express-serve-static-core',
    'node',
    'qs',
    'serve-static',
    'send',
    'mime',
    'range-parser',
    'body-parser',
    'connect',
    'http-errors',
    'escape-html',
  ]) {
    await link(`@types/${name}`).catch(() => undefined);
  }
}, 120_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const usage = `
  const middleware = oauthMiddleware({
    issuer: 'https://op.example.com',
    clientId: 'client',
    clientSecret: 'secret',
    baseURL: 'https://app.example.com',
    secret: 'a-random-secret-of-at-least-32-characters',
  });
  let typo;
  try { oauthMiddleware({ issuer: 'https://op.example.com', clientID: 'x', baseURL: 'https://app.example.com' }); }
  catch (error) { typo = error.message; }
  console.log(JSON.stringify({
    middleware: typeof middleware,
    guard: typeof requireAuth(),
    error: new OAuthError('x', { code: 'OAUTH_STATE_MISMATCH' }).status,
    typo,
  }));
`;

const expected = {
  middleware: 'function',
  guard: 'function',
  error: 400,
  typo: 'unknown option "clientID"; did you mean "clientId"?',
};

async function typeCheck(): Promise<{ code: number; output: string }> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the packed package', () => {
  it('ships only the build, the README and the licence metadata', async () => {
    const files = await readdir(join(consumer, 'node_modules', 'express-oauth-rp'), {
      recursive: true,
    });
    expect(files).toContain('package.json');
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'index.d.ts'));
    expect(files.some((file) => file.startsWith('src') || file.startsWith('test'))).toBe(false);
  });

  it('loads with require() from a CommonJS file', async () => {
    await writeFile(
      join(consumer, 'consumer.cjs'),
      `const { oauthMiddleware, requireAuth, OAuthError } = require('express-oauth-rp');\n${usage}`,
    );
    const { stdout } = await run(process.execPath, ['--no-warnings', 'consumer.cjs'], {
      cwd: consumer,
    });
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('loads with import from an ES module', async () => {
    await writeFile(
      join(consumer, 'consumer.mjs'),
      `import { oauthMiddleware, requireAuth, OAuthError } from 'express-oauth-rp';\n${usage}`,
    );
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('loads express-oauth-rp/testing from CommonJS and ESM', async () => {
    await writeFile(
      join(consumer, 'testing.cjs'),
      "const t = require('express-oauth-rp/testing'); console.log(typeof t.startOpenIdProvider, typeof t.signIn);",
    );
    await writeFile(
      join(consumer, 'testing.mjs'),
      "import { startOpenIdProvider, signIn } from 'express-oauth-rp/testing'; console.log(typeof startOpenIdProvider, typeof signIn);",
    );
    for (const file of ['testing.cjs', 'testing.mjs']) {
      const { stdout } = await run(process.execPath, ['--no-warnings', file], { cwd: consumer });
      expect(stdout.trim()).toBe('function function');
    }
  });

  it('type-checks a TypeScript consumer that uses req.oauthUser', async () => {
    await writeFile(
      join(consumer, 'consumer.ts'),
      `import express from 'express';
import session from 'express-session';
import { oauthMiddleware, requireAuth, OAuthError } from 'express-oauth-rp';
const app = express();
const secret = 'a-random-secret-of-at-least-32-characters';
app.use(session({ secret, resave: false, saveUninitialized: false }));
app.use(oauthMiddleware({ issuer: 'https://op', clientId: 'c', clientSecret: 's', baseURL: 'https://app', secret }));
app.get('/me', requireAuth(), async (req, res) => {
  const sub: string | undefined = req.oauthUser?.sub;
  const token: string = await req.oauth.getAccessToken();
  const pending = req.session.oauth?.signedInAt;
  res.json({ sub, token: token.length, pending, code: new OAuthError('x', { code: 'OAUTH_FORBIDDEN' }).code });
});
`,
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ type: 'module', private: true }),
    );
    expect(await typeCheck()).toEqual({ code: 0, output: '' });
    // Negative control: the same check reports a misuse of the augmented types.
    await writeFile(
      join(consumer, 'misuse.ts'),
      `import type {} from 'express-oauth-rp';\nconst wrong: number = ({} as import('express').Request).oauthUser!.sub;\nexport { wrong };\n`,
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts', 'misuse.ts'],
      }),
    );
    const misuse = await typeCheck();
    expect(misuse.code).not.toBe(0);
    expect(misuse.output).toContain("Type 'string' is not assignable to type 'number'");
  }, 90_000);
});
