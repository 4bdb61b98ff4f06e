/**
 * Shared by test/ledger-crash.e2e-spec.ts and its child process (ledger-crash-child.ts): the
 * accounts and setup of one crash case, the command the child is killed in the middle of, and the
 * kill points.
 */
import { Accounts } from '../../src/ledger/domain/account.js';
import { credit, debit } from '../../src/ledger/domain/journal.js';
import type { EntryMeta, LedgerCommand } from '../../src/ledger/domain/ledger-model.js';

/**
 * Where the child stops, inside the command's transaction, until it is killed: after the statement
 * matching `after` has run for the `occurrence`-th time (`before-commit`: after `executeIn` returned,
 * just before the caller's COMMIT).
 */
export interface KillPoint {
  readonly name: string;
  readonly after?: RegExp;
  readonly occurrence?: number;
  /**
   * The command killed: a three-entry batch, one multi-line posting, or four postings executed at
   * once and group-committed (`grouped`: one transaction, a savepoint each).
   */
  readonly shape: 'batch' | 'post' | 'grouped';
}

export const KILL_POINTS: readonly KillPoint[] = [
  // The floored accounts are locked (and the idempotency key read); nothing is written yet.
  { name: 'accounts-locked', after: /FOR NO KEY UPDATE/, shape: 'batch' },
  // The single posting's entry is written (with its lines, counters and deltas, one statement today).
  { name: 'entry-written', after: /INSERT INTO ledger_entries/, shape: 'post' },
  // The first entry of the batch has its lines written; two more entries to go.
  { name: 'lines-written', after: /INSERT INTO ledger_lines/, shape: 'batch' },
  // Two of the batch's three entries are written.
  {
    name: 'second-entry-written',
    after: /INSERT INTO ledger_entries/,
    occurrence: 2,
    shape: 'batch',
  },
  // Everything is written and executeIn has returned: the caller's COMMIT is next.
  { name: 'before-commit', shape: 'batch' },
  // Four postings in one group-commit transaction: three of them are written, the fourth not yet.
  {
    name: 'grouped-third-written',
    after: /INSERT INTO ledger_entries/,
    occurrence: 3,
    shape: 'grouped',
  },
];

export function killPoint(name: string): KillPoint {
  const point = KILL_POINTS.find((p) => p.name === name);
  if (point === undefined) throw new Error(`unknown kill point ${name}`);
  return point;
}

const meta: EntryMeta = { eventType: 'crash_test', reference: 'crash', actor: 'system' };

/** Accounts of one case (`tag` makes them its own); the hot ones are shared by every case. */
export function crashAccounts(tag: string) {
  return {
    escrow: Accounts.orderEscrow(tag),
    payable: Accounts.dealerPayable(tag),
    gateway: Accounts.gatewayReceivable,
    commission: Accounts.commission,
    gstOutput: Accounts.gstOutput,
  };
}

/** Committed before the child starts: accounts, a captured payment and a hold on it. */
export function setupCommands(tag: string): LedgerCommand[] {
  const a = crashAccounts(tag);
  return [
    ...Object.values(a).map((code): LedgerCommand => ({ type: 'open_account', code })),
    {
      type: 'post',
      key: `${tag}:capture`,
      lines: [debit(a.gateway, 20_000n), credit(a.escrow, 20_000n)],
      meta,
    },
    {
      type: 'hold',
      key: `${tag}:hold`,
      lines: [debit(a.escrow, 10_000n), credit(a.payable, 10_000n)],
      timeoutSeconds: 0,
      meta,
    },
  ];
}

/**
 * Run by the child first: a posting on the single posting's accounts that breaks the escrow's floor.
 * It is refused (no effect) but leaves the accounts known to the service, so the single posting
 * then takes the service's hot path, as it would in a warm process.
 */
export function warmUpCommand(tag: string): LedgerCommand {
  const a = crashAccounts(tag);
  return {
    type: 'post',
    key: `${tag}:warm-up`,
    lines: [
      debit(a.escrow, 1_000_000_000n),
      credit(a.gateway, 999_999_000n),
      credit(a.commission, 500n),
      credit(a.gstOutput, 500n),
    ],
    meta,
  };
}

/** The keys of the entries the crashing commands write. */
export function crashKeys(tag: string, shape: KillPoint['shape']): string[] {
  if (shape === 'grouped') return GROUPED.map((n) => `${tag}:grouped-${n}`);
  return shape === 'post'
    ? [`${tag}:settle`]
    : [`${tag}:release`, `${tag}:deductions`, `${tag}:refund`];
}

const GROUPED = [1, 2, 3, 4];

/** The commands the child is killed in: `crashCommand`, or for `grouped` four postings. */
export function crashCommands(tag: string, shape: KillPoint['shape']): LedgerCommand[] {
  if (shape !== 'grouped') return [crashCommand(tag, shape)];
  const a = crashAccounts(tag);
  return GROUPED.map((n) => ({
    type: 'post',
    key: `${tag}:grouped-${n}`,
    lines: [debit(a.escrow, 1_000n), credit(a.payable, 900n), credit(a.commission, 100n)],
    meta,
  }));
}

/**
 * The command the child is killed in: a batch (partial release of the hold, deductions to hot
 * accounts, refund of the rest) or one multi-line posting touching floored and hot accounts.
 */
function crashCommand(tag: string, shape: 'batch' | 'post'): LedgerCommand {
  const a = crashAccounts(tag);
  if (shape === 'post') {
    return {
      type: 'post',
      key: `${tag}:settle`,
      lines: [
        debit(a.escrow, 3_000n),
        debit(a.gateway, 500n),
        credit(a.commission, 2_950n),
        credit(a.gstOutput, 550n),
      ],
      meta,
    };
  }
  return {
    type: 'batch',
    commands: [
      {
        type: 'post_pending',
        key: `${tag}:release`,
        pendingKey: `${tag}:hold`,
        amountPaise: 8_000n,
        meta,
      },
      {
        type: 'post',
        key: `${tag}:deductions`,
        lines: [debit(a.payable, 1_180n), credit(a.commission, 1_000n), credit(a.gstOutput, 180n)],
        meta,
      },
      {
        type: 'post',
        key: `${tag}:refund`,
        lines: [debit(a.escrow, 2_000n), credit(a.gateway, 2_000n)],
        meta,
      },
    ],
  };
}
