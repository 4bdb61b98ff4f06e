/**
 * `node dist/scripts/livekit-standin/main.js [--port 7880] [--host 127.0.0.1] [--webhook-url URL]`:
 * runs the local LiveKit stand-in with the stand-in credentials (STANDIN_LIVEKIT) and prints
 * `LIVEKIT_URL=<url>` on stdout once it listens. Environment equivalents: LIVEKIT_STANDIN_PORT,
 * LIVEKIT_STANDIN_HOST, LIVEKIT_STANDIN_WEBHOOK_URL. SIGINT/SIGTERM stop it.
 */
import { parseArgs } from 'node:util';
import { STANDIN_LIVEKIT } from '../../src/config/app-config.js';
import { startLiveKitStandin } from './standin.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'webhook-url': { type: 'string' },
    },
  });
  const port = Number(values.port ?? process.env.LIVEKIT_STANDIN_PORT ?? 7880);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${port}`);
  const standin = await startLiveKitStandin({
    port,
    host: values.host ?? process.env.LIVEKIT_STANDIN_HOST ?? '127.0.0.1',
    apiKey: STANDIN_LIVEKIT.apiKey,
    apiSecret: STANDIN_LIVEKIT.apiSecret,
    webhookUrl: values['webhook-url'] ?? process.env.LIVEKIT_STANDIN_WEBHOOK_URL ?? null,
  });
  console.log(`LIVEKIT_URL=${standin.url}`);
  const stop = () => {
    standin.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`livekit stand-in failed: ${(err as Error).message}`);
  process.exit(1);
});
