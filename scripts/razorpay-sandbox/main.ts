/**
 * `node dist/scripts/razorpay-sandbox/main.js [--port 4010] [--host 127.0.0.1] [--webhook-url URL]
 * [--activate-accounts]`: runs the local Razorpay sandbox with the fixed sandbox credentials
 * (SANDBOX_RAZORPAY) and prints `RAZORPAY_API_URL=<url>` on stdout once it listens.
 * --activate-accounts activates a linked account's Route product once its onboarding is complete
 * (stakeholder, settlement account, terms; `npm run up` uses it, so the
 * demo dealers can be paid). Environment equivalents: RAZORPAY_SANDBOX_PORT, RAZORPAY_SANDBOX_HOST,
 * RAZORPAY_SANDBOX_WEBHOOK_URL. SIGINT/SIGTERM stop it.
 */
import { parseArgs } from 'node:util';
import { SANDBOX_RAZORPAY } from '../../src/config/app-config.js';
import { startRazorpaySandbox } from './sandbox.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'webhook-url': { type: 'string' },
      'activate-accounts': { type: 'boolean' },
    },
  });
  const port = Number(values.port ?? process.env.RAZORPAY_SANDBOX_PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${port}`);
  const sandbox = await startRazorpaySandbox({
    port,
    host: values.host ?? process.env.RAZORPAY_SANDBOX_HOST ?? '127.0.0.1',
    keyId: SANDBOX_RAZORPAY.keyId,
    keySecret: SANDBOX_RAZORPAY.keySecret,
    webhookSecret: SANDBOX_RAZORPAY.webhookSecret,
    webhookUrl: values['webhook-url'] ?? process.env.RAZORPAY_SANDBOX_WEBHOOK_URL ?? null,
    activateAccounts: values['activate-accounts'] ?? false,
  });
  console.log(`RAZORPAY_API_URL=${sandbox.url}`);
  const stop = () => {
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`razorpay sandbox failed: ${(err as Error).message}`);
  process.exit(1);
});
