/**
 * Child process of test/payments-crash.e2e-spec.ts: the real application (every module, the Razorpay
 * adapter pointed at the parent's gate in front of the sandbox), listening on a loopback port, on the
 * parent's database. It prints `READY <url>` and then runs what it is told:
 * - HTTP requests from the parent (opening a payment, Checkout's verification), as any app instance;
 * - one stdin line per job pass: `refunds` (RefundsService.processDue) or `transfers <paymentId>`
 *   (RouteTransfersService.transferHolds), printing `DONE <json>` when it returns.
 * The parent SIGKILLs it while one of its gateway calls is held at the gate.
 *
 *   node --import ./test/support/ledger-crash-loader.js test/support/payments-crash-child.ts
 *   (env DATABASE_URL, DATABASE_OWNER_URL, RAZORPAY_API_URL and the rest of the app's configuration)
 */
import { createInterface } from 'node:readline';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import { RefundsService } from '../../src/payments/refunds.service.js';
import { RouteTransfersService } from '../../src/payouts/route/route-transfers.service.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, process.stderr)],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createFastifyAdapter(config),
    NEST_APP_OPTIONS,
  );
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${await app.getUrl()}\n`);

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, arg] = line.trim().split(/\s+/);
    let result: unknown;
    if (command === 'refunds') result = await app.get(RefundsService).processDue();
    else if (command === 'transfers' && arg !== undefined)
      result = await app.get(RouteTransfersService).transferHolds({ paymentId: arg });
    else throw new Error(`unknown command: ${line}`);
    // Reaching this line means the gate never held the call: the parent fails on it.
    process.stdout.write(`DONE ${JSON.stringify(result)}\n`);
  }
  await app.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
