/**
 * No personal data or password hash reaches the log when a query fails: not through the request's
 * error line, a job's failure, nor an unhandled rejection or uncaught exception — while the SQLSTATE,
 * the constraint and the request id still do. The failing queries are real (a dealer's row inserted
 * twice: PostgreSQL refuses the duplicate e-mail and quotes it in its `detail`).
 */
import { EventEmitter } from 'node:events';
import { Controller, HttpCode, type OnModuleInit, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../src/access/policy.decorator.js';
import { JobQueue } from '../src/jobs/job-queue.service.js';
import { installProcessErrorHandlers } from '../src/observability/process-errors.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const EMAIL = 'asha.probe@example.in';
const PHONE = '+919812345678';
const PAN = 'AAPPB1234C';
const GSTIN = '29AAPPB1234C1Z5';
const HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$cHJvYmVzYWx0cHJvYmVz$Zm9yZ2VkaGFzaGZvcmdlZGhhc2hmb3JnZWRoYXNo';
/** Every value, and the parts a partial leak would show. */
const PII = [EMAIL, 'asha.probe', PHONE, '9812345678', PAN, GSTIN, HASH, 'cHJvYmVzYWx0cHJvYmVz'];
const QUEUE = 'test.pii-probe';

/** A dealer signup as the identity module writes it, every value bound as a parameter. */
const INSERT_DEALER = `
  INSERT INTO users (role, status, email, phone, password_hash, display_name, business_name, gstin,
                     pan, pickup_address)
  VALUES ('dealer', 'pending', $1, $2, $3, 'Probe Dealer', 'Probe Parts', $4, $5, '{}'::jsonb)`;
const DEALER = [EMAIL, PHONE, HASH, GSTIN, PAN];

@ApiExcludeController()
@Public()
@Controller('probe')
class PiiProbe implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: QUEUE,
      queue: { retryLimit: 0 },
      handler: () => this.insertDealer(),
    });
  }

  insertDealer(): Promise<unknown> {
    return this.dataSource.query(INSERT_DEALER, DEALER);
  }

  /** The duplicate signup: an unexpected error, so a 500 and an error line. */
  @Post('duplicate-dealer')
  @HttpCode(201)
  async duplicate(): Promise<void> {
    await this.insertDealer();
  }

  @Post('duplicate-dealer-job')
  async enqueue(): Promise<{ jobId: string | null }> {
    return { jobId: await this.jobs.send(QUEUE, {}) };
  }
}

const SQL_STATE = '23505';

describe('log redaction of failing queries', () => {
  let t: TestApp;

  const leaks = () => {
    const text = JSON.stringify(t.logs);
    return PII.filter((value) => text.includes(value) || text.includes(JSON.stringify(value)));
  };

  beforeAll(async () => {
    t = await startTestApp({ controllers: [PiiProbe], env: { JOBS_WORKERS: 'true' } });
    // The first signup succeeds: every later insert of the same row is a unique violation.
    await withClient(t.db.ownerUrl, (c) => c.query(INSERT_DEALER, DEALER));
  });
  afterAll(() => t?.close());

  it('logs a request whose query failed with its SQLSTATE, constraint and request id, no values', async () => {
    const requestId = 'pii-probe-request-0001';
    const res = await fetch(`${t.baseUrl}/probe/duplicate-dealer`, {
      method: 'POST',
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(500);
    const line = t.logs.find((l) => l.reqId === requestId && l.msg === 'unhandled error') as {
      requestId: string;
      err: Record<string, unknown>;
    };
    expect(line.requestId).toBe(requestId);
    expect(line.err).toMatchObject({
      type: 'QueryFailedError',
      code: SQL_STATE,
      constraint: 'users_email_key',
      detail: 'Key (email)=([redacted]) already exists.',
      query: expect.stringContaining('VALUES (') as unknown,
      parameters: DEALER.map((v) => `string(${v.length})`),
    });
    expect(line.err).not.toHaveProperty('driverError');
    expect(leaks()).toEqual([]);
  });

  it("logs a job's failed query the same way, and stores no value in the job's output", async () => {
    const res = await fetch(`${t.baseUrl}/probe/duplicate-dealer-job`, { method: 'POST' });
    const { jobId } = (await res.json()) as { jobId: string };
    const deadline = Date.now() + 20_000;
    let line: { err: Record<string, unknown>; job: string; jobId: string } | undefined;
    while (!line) {
      if (Date.now() > deadline) throw new Error('the job failure was not logged');
      await new Promise((r) => setTimeout(r, 200));
      line = t.logs.find((l) => l.msg === 'job failed' && l.jobId === jobId) as typeof line;
    }
    expect(line).toMatchObject({ job: QUEUE, err: { code: SQL_STATE, type: 'QueryFailedError' } });
    // pg-boss stores the failed job's output after the handler's failure is logged: wait for it.
    let rows: { output: unknown }[] = [];
    while (rows.length === 0) {
      if (Date.now() > deadline) throw new Error("the job's output was not stored");
      ({ rows } = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ output: unknown }>(
          `SELECT output FROM pgboss.job WHERE id = $1 AND output IS NOT NULL`,
          [jobId],
        ),
      ));
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.stringify(rows)).toContain('users_email_key');
    for (const value of PII) expect(JSON.stringify(rows)).not.toContain(value);
    expect(leaks()).toEqual([]);
  });

  it('logs unhandled rejections and uncaught exceptions through the same serializer, then exits 1', async () => {
    const failure = await t.app
      .get(PiiProbe)
      .insertDealer()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const process = new EventEmitter();
    const exits: number[] = [];
    installProcessErrorHandlers(process, (code) => exits.push(code));
    process.emit('unhandledRejection', failure, Promise.resolve());
    process.emit('uncaughtException', new Error(`signup of ${EMAIL} (${PHONE}) crashed`));
    expect(exits).toEqual([1, 1]);
    const rejection = t.logs.find((l) => l.msg === 'unhandled rejection');
    expect(rejection).toMatchObject({ level: 60, err: { code: SQL_STATE } });
    const uncaught = t.logs.find((l) => l.msg === 'uncaught exception');
    expect(uncaught).toMatchObject({
      level: 60,
      err: { message: 'signup of [redacted:email] ([redacted:phone]) crashed' },
    });
    expect(leaks()).toEqual([]);
  });
});
