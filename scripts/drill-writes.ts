import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { coreImports } from '../src/app.module.js';
import { ConfigError, loadConfig } from '../src/config/app-config.js';
import { Accounts } from '../src/ledger/domain/account.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import type { LedgerCommand } from '../src/ledger/domain/ledger-model.js';
import { LedgerModule } from '../src/ledger/ledger.module.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';

/**
 * The restore drill's writer (`npm run db -- drill`, scripts/drill.sh):
 * `node dist/scripts/drill-writes.js --orders N --tag TAG [--clients C]` posts the journal of N
 * paid and released orders through LedgerService on the database of DATABASE_URL: per order, its
 * escrow account opened and two entries in one batch: the payment captured into the escrow and
 * the escrow released to the order's dealer less the platform's commission; balance deltas rolled
 * up meanwhile and at the end, as the worker tier does. Prints
 * `wrote N orders (2N entries) in S s: R entries/s`.
 */
const DEALERS = 8;
const AMOUNT = 149_900n;
const COMMISSION = 7_495n;

function option(name: string, fallback?: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (value === undefined || !Number.isSafeInteger(value) || value < 1)
    throw new ConfigError(`drill-writes: ${name} must be a positive integer`);
  return value;
}

function orderBatch(tag: string, n: number): LedgerCommand {
  const order = `drill-${tag}-${n}`;
  const escrow = Accounts.orderEscrow(order);
  const meta = { eventType: 'drill.order', reference: `order:${order}`, actor: 'drill' };
  return {
    type: 'batch',
    commands: [
      { type: 'open_account', code: escrow },
      {
        type: 'post',
        key: `drill:${order}:captured`,
        lines: [debit(Accounts.gatewayReceivable, AMOUNT), credit(escrow, AMOUNT)],
        meta,
      },
      {
        type: 'post',
        key: `drill:${order}:released`,
        lines: [
          debit(escrow, AMOUNT),
          credit(Accounts.dealerPayable(`drill-dealer-${n % DEALERS}`), AMOUNT - COMMISSION),
          credit(Accounts.commission, COMMISSION),
        ],
        meta,
      },
    ],
  };
}

@Module({})
class DrillWritesModule {}

async function main(): Promise<void> {
  const orders = option('--orders');
  const clients = option('--clients', 4);
  const tagAt = process.argv.indexOf('--tag');
  const tag = tagAt >= 0 ? process.argv[tagAt + 1] : undefined;
  if (tag === undefined || !/^[a-z0-9]{1,16}$/.test(tag))
    throw new ConfigError('drill-writes: --tag must be 1-16 lower-case letters or digits');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, JOBS_WORKERS: 'false' });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = await NestFactory.createApplicationContext(
    { module: DrillWritesModule, imports: [...(coreImports(config, quiet) ?? []), LedgerModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    const ledger = app.get(LedgerService);
    const must = async (command: LedgerCommand, what: string) => {
      const r = await ledger.execute(command);
      if (r.code !== 'ok') throw new Error(`${what}: ${r.code}`);
    };
    const fixed: string[] = [Accounts.gatewayReceivable, Accounts.commission];
    for (let d = 0; d < DEALERS; d += 1) fixed.push(Accounts.dealerPayable(`drill-dealer-${d}`));
    for (const code of fixed) await must({ type: 'open_account', code }, code);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < orders; n = next++) {
        await must(orderBatch(tag, n), `order ${n}`);
      }
    };
    // Balance deltas are folded into the accounts' rows every second meanwhile, as the workers'
    // roll-up schedule does in production, and to the last one at the end.
    let writing = true;
    const rollUps = (async () => {
      while (writing) {
        await ledger.rollUpBalanceDeltas();
        await sleep(1000);
      }
    })();
    try {
      await Promise.all(Array.from({ length: Math.min(clients, orders) }, worker));
    } finally {
      writing = false;
      await rollUps;
    }
    while ((await ledger.rollUpBalanceDeltas()) > 0);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `wrote ${orders} orders (${2 * orders} entries) in ${seconds.toFixed(1)} s: ${((2 * orders) / seconds).toFixed(0)} entries/s`,
    );
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError ? err.message : `drill-writes failed: ${(err as Error).message}`,
  );
  process.exit(1);
});
