/**
 * The common state-machine helper in real PostgreSQL transactions: the conditional update and the
 * history row commit with the caller's transaction, a refusal is a typed 409/422 problem naming
 * from, event and to, and the domain event is published after COMMIT only — never after a rollback,
 * nor when a savepoint the transition ran in was rolled back.
 */
import { DataSource, type EntityManager } from 'typeorm';
import { defineStateMachine } from '../src/common/state-machine.js';
import {
  PublishTransitionsAfterCommit,
  transition,
  TransitionRefused,
} from '../src/common/state-transition.js';
import { execute } from '../src/database/sql.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

type Status = 'open' | 'held' | 'closed';
type Event = 'hold' | 'close';

const MACHINE = defineStateMachine<Status, Event, 'staff', 'ticket'>({
  noun: 'ticket',
  codePrefix: 'ticket',
  states: ['open', 'held', 'closed'],
  events: ['hold', 'close'],
  transitions: [
    { event: 'hold', actors: ['staff'], from: ['open'], to: ['held'], reasonFrom: ['staff'] },
    { event: 'close', actors: ['staff'], from: ['open', 'held'], to: ['closed'], reasonFrom: [] },
  ],
  key: (s) => s,
  describe: (s) => s,
  past: { hold: 'held', close: 'closed' },
});

class TicketMoved {
  constructor(
    readonly id: number,
    readonly from: Status,
    readonly to: Status,
  ) {}
}

let db: TestDatabase;
let dataSource: DataSource;
let published: object[] = [];

beforeAll(async () => {
  db = await createTestDatabase('empty');
  dataSource = new DataSource({ type: 'postgres', url: db.ownerUrl, poolSize: 3 });
  await dataSource.initialize();
  dataSource.subscribers.push(
    new PublishTransitionsAfterCommit((events) => published.push(...events)),
  );
  await dataSource.query(`
    CREATE TABLE tickets (id int PRIMARY KEY, status text NOT NULL);
    CREATE TABLE ticket_history (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ticket_id int NOT NULL,
      from_status text NOT NULL, to_status text NOT NULL, reason text)`);
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

beforeEach(async () => {
  published = [];
  await dataSource.query(`TRUNCATE tickets, ticket_history`);
  await dataSource.query(`INSERT INTO tickets VALUES (1, 'open'), (2, 'open')`);
});

/** The ticket's status as stored, locked for the transaction. */
async function lockTicket(tx: EntityManager, id: number): Promise<Status> {
  const { rows } = await execute<{ status: Status }>(
    tx,
    `SELECT status FROM tickets WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0]!.status;
}

function move(
  tx: EntityManager,
  id: number,
  from: Status,
  event: Event,
  reason: string | null = null,
) {
  return transition(
    tx,
    MACHINE,
    { from, event, actor: 'staff', reason, reasonRequiredStatus: 422, problem: { ticketId: id } },
    {
      historyTable: 'ticket_history',
      update: (f, t) =>
        execute(tx, `UPDATE tickets SET status = $3 WHERE id = $1 AND status = $2`, [id, f, t]),
      insertHistory: async (f, t) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO ticket_history (ticket_id, from_status, to_status, reason)
           VALUES ($1, $2, $3, $4) RETURNING id::text AS id`,
          [id, f, t, reason],
        );
        return rows[0]!.id;
      },
      event: (f, t) => new TicketMoved(id, f, t),
    },
  );
}

const stored = async () => ({
  tickets: (await dataSource.query(`SELECT id, status FROM tickets ORDER BY id`)) as unknown[],
  history: (await dataSource.query(
    `SELECT ticket_id, from_status, to_status, reason FROM ticket_history ORDER BY id`,
  )) as unknown[],
});

describe('transition()', () => {
  it('updates the row, writes the history row and publishes the event only after COMMIT', async () => {
    let seenInside: object[] | undefined;
    await dataSource.transaction(async (tx) => {
      await move(tx, 1, await lockTicket(tx, 1), 'hold', 'waiting for parts');
      await move(tx, 1, await lockTicket(tx, 1), 'close');
      seenInside = [...published];
    });
    expect(seenInside).toEqual([]);
    expect(published).toEqual([
      new TicketMoved(1, 'open', 'held'),
      new TicketMoved(1, 'held', 'closed'),
    ]);
    expect(await stored()).toEqual({
      tickets: [
        { id: 1, status: 'closed' },
        { id: 2, status: 'open' },
      ],
      history: [
        { ticket_id: 1, from_status: 'open', to_status: 'held', reason: 'waiting for parts' },
        { ticket_id: 1, from_status: 'held', to_status: 'closed', reason: null },
      ],
    });
  });

  it('publishes nothing and leaves nothing behind when the transaction rolls back', async () => {
    await expect(
      dataSource.transaction(async (tx) => {
        await move(tx, 1, await lockTicket(tx, 1), 'close');
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(published).toEqual([]);
    expect(await stored()).toEqual({
      tickets: [
        { id: 1, status: 'open' },
        { id: 2, status: 'open' },
      ],
      history: [],
    });
  });

  it('does not carry a rolled-back transaction’s events into the next one on the same connection', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await move(runner.manager, 1, await lockTicket(runner.manager, 1), 'close');
      await runner.rollbackTransaction();
      await runner.startTransaction();
      await move(runner.manager, 2, await lockTicket(runner.manager, 2), 'close');
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(published).toEqual([new TicketMoved(2, 'open', 'closed')]);
  });

  it('drops the event of a transition whose savepoint was rolled back, keeps the others', async () => {
    await dataSource.transaction(async (tx) => {
      await move(tx, 1, await lockTicket(tx, 1), 'close');
      await execute(tx, 'SAVEPOINT handler');
      await move(tx, 2, await lockTicket(tx, 2), 'close');
      await execute(tx, 'ROLLBACK TO SAVEPOINT handler');
    });
    expect(published).toEqual([new TicketMoved(1, 'open', 'closed')]);
    expect((await stored()).tickets).toEqual([
      { id: 1, status: 'closed' },
      { id: 2, status: 'open' },
    ]);
  });

  it('refuses a move the table does not allow with a 409 problem naming from, event and to', async () => {
    await dataSource.query(`UPDATE tickets SET status = 'closed' WHERE id = 1`);
    const refused = await dataSource
      .transaction(async (tx) => move(tx, 1, await lockTicket(tx, 1), 'hold', 'x'))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransitionRefused);
    expect(refused).toMatchObject({
      status: 409,
      code: 'ticket/invalid-transition',
      detail: 'A ticket that is closed cannot be held',
      from: 'closed',
      event: 'hold',
      extensions: { ticketId: 1, from: 'closed', event: 'hold' },
    });
    expect(published).toEqual([]);
  });

  it('refuses a missing reason with the status the caller declares', async () => {
    const refused = await dataSource
      .transaction(async (tx) => move(tx, 1, await lockTicket(tx, 1), 'hold', ' '))
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 422, code: 'ticket/reason-required' });
    expect((await stored()).history).toEqual([]);
  });

  it('refuses with 409 when the row is no longer in the state the caller read (conditional update)', async () => {
    const refused = await dataSource
      .transaction(async (tx) => {
        const stale = await lockTicket(tx, 1); // 'open'
        await execute(tx, `UPDATE tickets SET status = 'held' WHERE id = 1`);
        return move(tx, 1, stale, 'close');
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status: 409,
      code: 'ticket/invalid-transition',
      detail: 'The ticket is no longer open',
      extensions: { from: 'open', event: 'close', to: 'closed' },
    });
    expect(await stored()).toMatchObject({ history: [] });
    expect(published).toEqual([]);
  });

  it('needs the caller’s transaction', async () => {
    await expect(move(dataSource.manager, 1, 'open', 'close')).rejects.toThrow(
      'transition() needs a transactional EntityManager',
    );
  });
});
