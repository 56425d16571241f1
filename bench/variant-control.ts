/**
 * What a variant's child answers the parent (bench/servers.ts): its store's counts, its CPU time,
 * CPU profiles of a stretch of load (the V8 inspector's profiler, so start-up and module loading
 * stay out of them), and more signed-in sessions for the scaling curve.
 */
import { writeFile } from 'node:fs/promises';
import { Session as InspectorSession } from 'node:inspector/promises';
import type { SessionData } from 'express-session';
import { serveParent } from './ipc.js';
import type { CountedStore, StoreStats } from './stores.js';

export function serveVariant(port: number, counted: CountedStore, info: Record<string, unknown>) {
  let profiler: InspectorSession | undefined;
  serveParent(
    port,
    async (name, payload) => {
      switch (name) {
        case 'stats':
          return (await counted.stats()) satisfies StoreStats;
        case 'cpu': {
          const { user, system } = process.cpuUsage();
          return user + system;
        }
        case 'resetStats':
          counted.reset();
          return null;
        case 'profileStart':
          profiler = new InspectorSession();
          profiler.connect();
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
          await profiler.post('Profiler.start');
          return null;
        case 'profileStop': {
          if (profiler === undefined) throw new Error('no profile was started');
          const { profile } = await profiler.post('Profiler.stop');
          profiler.disconnect();
          profiler = undefined;
          await writeFile((payload as { file: string }).file, JSON.stringify(profile));
          return null;
        }
        case 'seed': {
          const { count, data, tokens } = payload as {
            count: number;
            data: SessionData;
            tokens?: SessionData;
          };
          await counted.seed(count, data, tokens);
          return null;
        }
        default:
          throw new Error(`unknown request ${name}`);
      }
    },
    info,
  );
}
