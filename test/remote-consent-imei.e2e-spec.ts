/**
 * Remote repair's consent and IMEI vault (src/remote/): the consent notice and every refusal of
 * giving or withdrawing consent, the IMEI taken at booking (15 digits + Luhn, encrypted with the job
 * id as associated data, an HMAC index), who may see it (the assigned software technician of an
 * online job being worked on, under consent — each other case a 403 with its code, or the job's 404),
 * staff reveals with a reason and the ops leader's override, every reveal audited, and the IMEI never
 * in logs, error bodies, audit records or the contract.
 */
import { spawnSync } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/app-config.js';
import { projectRoot } from '../src/common/project-root.js';
import { ImeiVault } from '../src/remote/imei-vault.js';
import { CONSENT_TEXT_VERSION } from '../src/remote/domain/consent-text.js';
import { hardwareTechnician } from './support/repairs.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { consent, softwareJob, TEST_IMEIS, type SoftwareJob } from './support/remote.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const OLD_KEY = `old:${randomBytes(32).toString('base64')}`;
const NEW_KEY = `new:${randomBytes(32).toString('base64')}`;

describe('remote repair: consent and the IMEI vault', () => {
  let t: TestApp;
  let admin: SignedIn;
  let ops: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const path = (repairJobId: string) => ({ params: { path: { repairJobId } } });
  const reveal = (who: SignedIn, repairJobId: string) =>
    t.api.POST('/technician/repairs/{repairJobId}/imei/reveal', {
      ...path(repairJobId),
      headers: who.headers,
    });
  const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, IMEI_VAULT_KEYS: OLD_KEY } });
    [admin, ops] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'ops_leader')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('consent', () => {
    it('shows the versioned notice naming the technician, and stores an acceptance with time, IP, device and expiry', async () => {
      const job = await softwareJob(t, admin);
      const screen = await t.api.GET('/repairs/{repairJobId}/remote-consent', {
        ...path(job.repairJobId),
        headers: job.customer.headers,
      });
      expect(screen.response.status).toBe(200);
      const notice = screen.data!.notice;
      expect(notice.version).toBe(CONSENT_TEXT_VERSION);
      expect(notice.technician.id).toBe(job.technician.userId);
      expect(notice.permissions.map((p) => p.permission)).toEqual([
        'imei_reveal',
        'remote_session',
      ]);
      expect(notice.permissions[1]!.description).toContain('127.0.0.1:5555');
      expect(notice.howToRevoke).toMatch(/withdraw/i);
      expect(notice.yourRights).toMatch(/Digital Personal Data Protection/);
      expect(notice.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(screen.data!.consent).toBeNull();

      const before = Date.now();
      const given = await consent(t, job, ['imei_reveal']);
      expect(given).toMatchObject({
        repairJobId: job.repairJobId,
        technicianId: job.technician.userId,
        textVersion: CONSENT_TEXT_VERSION,
        textSha256: notice.sha256,
        permissions: ['imei_reveal'],
        target: '127.0.0.1:5555',
        active: true,
        revokedAt: null,
      });
      const hours = (Date.parse(given.expiresAt) - Date.parse(given.acceptedAt)) / 3_600_000;
      expect(hours).toBeCloseTo(24, 5);
      expect(Date.parse(given.acceptedAt)).toBeGreaterThanOrEqual(before - 1000);
      const [row] = await sql<{ ip: string; device_fingerprint: string }>(
        `SELECT ip, device_fingerprint FROM remote_consents WHERE id = $1`,
        [given.id],
      );
      expect(row!.ip).toMatch(/127\.0\.0\.1/);
      // Stored hashed, never as sent.
      expect(row!.device_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(row!.device_fingerprint).not.toContain('test-phone');
    });

    it('refuses consent for a job that is not an online software one, has no technician, is closed, or is someone else’s', async () => {
      const tech = await hardwareTechnician(t);
      const customer = await signInAs(t, 'customer');
      const hardware = await t.api.POST('/repairs', {
        body: {
          kind: 'hardware',
          mode: 'offline',
          deviceBrand: 'Samsung',
          deviceModel: 'Galaxy A54',
          problem: 'Cracked screen',
          location: { lat: 12.97, lng: 77.59 },
        },
        headers: customer.headers,
      });
      await t.api.POST('/admin/repairs/{repairJobId}/assign', {
        ...path(hardware.data!.id),
        body: { technicianId: tech.userId },
        headers: admin.headers,
      });
      const unassigned = await t.api.POST('/repairs', {
        body: {
          kind: 'software',
          mode: 'online',
          deviceBrand: 'Samsung',
          deviceModel: 'Galaxy A54',
          problem: 'Stuck in a boot loop',
        },
        headers: customer.headers,
      });
      const closed = await softwareJob(t, admin, { customer });
      await t.api.POST('/repairs/{repairJobId}/cancel', {
        ...path(closed.repairJobId),
        body: {},
        headers: customer.headers,
      });
      const other = await softwareJob(t, admin);
      const give = (who: SignedIn, repairJobId: string, textVersion = CONSENT_TEXT_VERSION) =>
        t.api.POST('/repairs/{repairJobId}/remote-consent', {
          ...path(repairJobId),
          body: {
            textVersion,
            permissions: ['remote_session'],
            deviceFingerprint: 'device-abcdefgh',
          },
          headers: who.headers,
        });
      const cases: [string, Awaited<ReturnType<typeof give>>, number, string][] = [
        [
          'hardware',
          await give(customer, hardware.data!.id),
          409,
          'remote/not-online-software-job',
        ],
        ['unassigned', await give(customer, unassigned.data!.id), 409, 'remote/no-technician'],
        ['closed', await give(customer, closed.repairJobId), 409, 'remote/job-closed'],
        ['someone else’s', await give(customer, other.repairJobId), 404, 'repair-job/not-found'],
        ['technician', await give(other.technician, other.repairJobId), 403, 'auth/forbidden'],
        [
          'old text',
          await give(other.customer, other.repairJobId, 'remote-consent/1999-01-01.1'),
          409,
          'remote/consent-text-outdated',
        ],
      ];
      for (const [name, res, status, code] of cases) {
        expect([name, res.response.status, codeOf(res.error)]).toEqual([name, status, code]);
      }
      const screen = await t.api.GET('/repairs/{repairJobId}/remote-consent', {
        ...path(unassigned.data!.id),
        headers: customer.headers,
      });
      expect(codeOf(screen.error)).toBe('remote/no-technician');
      // Nothing stored by any refusal.
      expect(
        await sql(`SELECT 1 FROM remote_consents WHERE repair_job_id = ANY($1::uuid[])`, [
          [hardware.data!.id, unassigned.data!.id, closed.repairJobId, other.repairJobId],
        ]),
      ).toHaveLength(0);
      const bad = await t.api.POST('/repairs/{repairJobId}/remote-consent', {
        ...path(other.repairJobId),
        body: {
          textVersion: CONSENT_TEXT_VERSION,
          permissions: ['root_access'] as never,
          deviceFingerprint: 'device-abcdefgh',
        },
        headers: other.customer.headers,
      });
      expect(bad.response.status).toBe(400);
    });

    it('refuses a second consent while one is active, and a withdrawal when none is', async () => {
      const job = await softwareJob(t, admin);
      const revoke = () =>
        t.api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
          ...path(job.repairJobId),
          body: {},
          headers: job.customer.headers,
        });
      expect(codeOf((await revoke()).error)).toBe('remote/no-active-consent');
      await consent(t, job);
      const again = await t.api.POST('/repairs/{repairJobId}/remote-consent', {
        ...path(job.repairJobId),
        body: {
          textVersion: CONSENT_TEXT_VERSION,
          permissions: ['imei_reveal'],
          deviceFingerprint: 'device-abcdefgh',
        },
        headers: job.customer.headers,
      });
      expect([again.response.status, codeOf(again.error)]).toEqual([
        409,
        'remote/consent-already-given',
      ]);
      const withdrawn = await revoke();
      expect(withdrawn.response.status).toBe(200);
      expect(withdrawn.data).toMatchObject({ active: false });
      expect(withdrawn.data!.revokedAt).not.toBeNull();
      expect(codeOf((await revoke()).error)).toBe('remote/no-active-consent');
      // Consent can be given again after a withdrawal.
      await consent(t, job, ['imei_reveal']);
    });
  });

  describe('the IMEI vault', () => {
    it('refuses a malformed IMEI at booking with a 400 naming the field, never echoing it', async () => {
      const customer = await signInAs(t, 'customer');
      const luhnWrong = '490154203237519';
      for (const imei of [luhnWrong, '49015420323751', '49015420323751x', '4901542032375180']) {
        const res = await fetch(`${t.baseUrl}/repairs`, {
          method: 'POST',
          headers: { ...customer.headers, 'content-type': 'application/json' },
          body: JSON.stringify({
            kind: 'software',
            mode: 'online',
            deviceBrand: 'Samsung',
            deviceModel: 'Galaxy A54',
            problem: 'Stuck in a boot loop',
            imei,
          }),
        });
        const text = await res.text();
        expect(res.status).toBe(400);
        const problem = JSON.parse(text) as { code: string; errors: { field: string }[] };
        expect(problem.code).toBe('request/validation-failed');
        expect(problem.errors.map((e) => e.field)).toEqual(['imei']);
        expect(text).not.toContain(imei);
      }
      const hardware = await t.api.POST('/repairs', {
        body: {
          kind: 'hardware',
          mode: 'offline',
          deviceBrand: 'Samsung',
          deviceModel: 'Galaxy A54',
          problem: 'Cracked screen',
          location: { lat: 12.97, lng: 77.59 },
          imei: TEST_IMEIS[0],
        },
        headers: customer.headers,
      });
      expect([hardware.response.status, codeOf(hardware.error)]).toEqual([
        422,
        'repair-job/imei-software-only',
      ]);
    });

    it('stores the IMEI encrypted (AES-256-GCM, the job id as associated data) with its key id and an HMAC index', async () => {
      const job = await softwareJob(t, admin, { imei: TEST_IMEIS[0] });
      const [row] = await sql<{
        key_id: string;
        iv: Buffer;
        ciphertext: Buffer;
        auth_tag: Buffer;
        lookup_hash: Buffer;
      }>(
        `SELECT key_id, iv, ciphertext, auth_tag, lookup_hash FROM repair_job_imeis WHERE repair_job_id = $1`,
        [job.repairJobId],
      );
      expect(row!.key_id).toBe('old');
      expect(row!.ciphertext.toString('latin1')).not.toContain(TEST_IMEIS[0]);
      const key = Buffer.from(OLD_KEY.split(':')[1]!, 'base64');
      const open = (aad: string) => {
        const d = createDecipheriv('aes-256-gcm', key, row!.iv);
        d.setAAD(Buffer.from(aad));
        d.setAuthTag(row!.auth_tag);
        return Buffer.concat([d.update(row!.ciphertext), d.final()]).toString();
      };
      expect(open(job.repairJobId)).toBe(TEST_IMEIS[0]);
      // Moved to another job's row, it does not decrypt.
      expect(() => open('00000000-0000-4000-8000-000000000000')).toThrow();
      expect(row!.lookup_hash).toEqual(t.app.get(ImeiVault).lookupHash(TEST_IMEIS[0]));
    });

    it('reveals it to the assigned software technician under consent, audited; withdrawal stops it', async () => {
      const job = await softwareJob(t, admin, { imei: TEST_IMEIS[1] });
      expect(codeOf((await reveal(job.technician, job.repairJobId)).error)).toBe(
        'remote/consent-required',
      );
      await consent(t, job, ['remote_session']);
      const noPermission = await reveal(job.technician, job.repairJobId);
      expect([noPermission.response.status, codeOf(noPermission.error)]).toEqual([
        403,
        'remote/consent-required',
      ]);
      await t.api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
        ...path(job.repairJobId),
        body: {},
        headers: job.customer.headers,
      });
      await consent(t, job, ['imei_reveal']);
      const shown = await reveal(job.technician, job.repairJobId);
      expect(shown.response.status).toBe(200);
      expect(shown.data).toEqual({ repairJobId: job.repairJobId, imei: TEST_IMEIS[1] });
      const audits = await sql<{
        actor_id: string;
        action: string;
        after: unknown;
        reason: string | null;
      }>(
        `SELECT actor_id::text, action, after, reason FROM audit_events WHERE target_id = $1 ORDER BY seq`,
        [job.repairJobId],
      );
      expect(audits.filter((a) => a.action === 'repair_job.imei.reveal')).toEqual([
        expect.objectContaining({ actor_id: job.technician.userId }),
      ]);
      expect(JSON.stringify(audits)).not.toContain(TEST_IMEIS[1]);
      await t.api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
        ...path(job.repairJobId),
        body: {},
        headers: job.customer.headers,
      });
      const after = await reveal(job.technician, job.repairJobId);
      expect([after.response.status, codeOf(after.error)]).toEqual([
        403,
        'remote/consent-required',
      ]);
    });

    it('refuses a hardware technician, a former technician and a closed job (403), anyone else’s job (404)', async () => {
      const job = await softwareJob(t, admin, { imei: TEST_IMEIS[2] });
      await consent(t, job);
      // A hardware technician on its own (hardware) job.
      const hw = await hardwareTechnician(t);
      const customer = await signInAs(t, 'customer');
      const hwJob = await t.api.POST('/repairs', {
        body: {
          kind: 'hardware',
          mode: 'offline',
          deviceBrand: 'Samsung',
          deviceModel: 'Galaxy A54',
          problem: 'Cracked screen',
          location: { lat: 12.97, lng: 77.59 },
        },
        headers: customer.headers,
      });
      await t.api.POST('/admin/repairs/{repairJobId}/assign', {
        ...path(hwJob.data!.id),
        body: { technicianId: hw.userId },
        headers: admin.headers,
      });
      const hwReveal = await reveal(hw, hwJob.data!.id);
      expect([hwReveal.response.status, codeOf(hwReveal.error)]).toEqual([
        403,
        'remote/not-software-technician',
      ]);
      // Another software technician, unrelated to the job.
      const stranger = await signInAs(t, 'technician', { technicianKind: 'software' });
      const strange = await reveal(stranger, job.repairJobId);
      expect([strange.response.status, codeOf(strange.error)]).toEqual([
        404,
        'repair-job/not-found',
      ]);
      // The job given to another technician: the former one is told why.
      const next = await signInAs(t, 'technician', { technicianKind: 'software' });
      const moved = await t.api.POST('/admin/repairs/{repairJobId}/reassign', {
        ...path(job.repairJobId),
        body: { technicianId: next.userId, reason: 'technician unavailable' },
        headers: ops.headers,
      });
      expect(moved.response.status).toBe(200);
      const former = await reveal(job.technician, job.repairJobId);
      expect([former.response.status, codeOf(former.error)]).toEqual([
        403,
        'remote/not-assigned-technician',
      ]);
      // The new technician has no consent of its own yet.
      expect(codeOf((await reveal(next, job.repairJobId)).error)).toBe('remote/consent-required');
      // A closed job.
      const closing = await softwareJob(t, admin, { imei: TEST_IMEIS[0] });
      await consent(t, closing);
      expect((await reveal(closing.technician, closing.repairJobId)).response.status).toBe(200);
      await t.api.POST('/repairs/{repairJobId}/cancel', {
        ...path(closing.repairJobId),
        body: {},
        headers: closing.customer.headers,
      });
      const closed = await reveal(closing.technician, closing.repairJobId);
      expect([closed.response.status, codeOf(closed.error)]).toEqual([403, 'remote/job-closed']);
      // The customer and staff do not use the technician's route.
      expect((await reveal(job.customer, job.repairJobId)).response.status).toBe(403);
    });

    it('reveals to staff with a reason under policy; otherwise only an ops leader’s override, audited as one', async () => {
      const job = await softwareJob(t, admin, { imei: TEST_IMEIS[0] });
      const staffReveal = (who: SignedIn, body: { reason: string; override?: boolean }) =>
        t.api.POST('/admin/repairs/{repairJobId}/imei/reveal', {
          ...path(job.repairJobId),
          body,
          headers: who.headers,
        });
      const noReason = await staffReveal(admin, { reason: '' });
      expect(noReason.response.status).toBe(400);
      const refused = await staffReveal(admin, { reason: 'customer asked on the phone' });
      expect([refused.response.status, codeOf(refused.error)]).toEqual([
        403,
        'remote/forbidden-by-policy',
      ]);
      const notPermitted = await staffReveal(admin, { reason: 'fraud check', override: true });
      expect([notPermitted.response.status, codeOf(notPermitted.error)]).toEqual([
        403,
        'remote/override-not-permitted',
      ]);
      const overridden = await staffReveal(ops, {
        reason: 'police request 42/2026',
        override: true,
      });
      expect(overridden.data).toEqual({ repairJobId: job.repairJobId, imei: TEST_IMEIS[0] });
      await consent(t, job, ['imei_reveal']);
      const allowed = await staffReveal(admin, { reason: 'warranty check with the customer' });
      expect(allowed.data!.imei).toBe(TEST_IMEIS[0]);
      const audits = await sql<{ actor_id: string; reason: string; override: boolean }>(
        `SELECT actor_id::text, reason, override FROM audit_events
          WHERE target_id = $1 AND action = 'repair_job.imei.reveal' ORDER BY seq`,
        [job.repairJobId],
      );
      expect(audits).toEqual([
        { actor_id: ops.userId, reason: 'police request 42/2026', override: true },
        { actor_id: admin.userId, reason: 'warranty check with the customer', override: false },
      ]);
    });

    it('lists the same device’s other jobs to staff by the HMAC index, without the IMEI', async () => {
      const first = await softwareJob(t, admin, { imei: TEST_IMEIS[2] });
      const second = await softwareJob(t, admin, { imei: TEST_IMEIS[2] });
      const other = await softwareJob(t, admin, { imei: TEST_IMEIS[1] });
      const same = await t.api.GET('/admin/repairs/{repairJobId}/same-device', {
        ...path(second.repairJobId),
        headers: admin.headers,
      });
      expect(same.data!.otherRepairJobIds).toContain(first.repairJobId);
      expect(same.data!.otherRepairJobIds).not.toContain(other.repairJobId);
      expect(same.data!.otherRepairJobIds).not.toContain(second.repairJobId);
      expect(JSON.stringify(same.data)).not.toContain(TEST_IMEIS[2]);
      const none = await softwareJob(t, admin);
      const missing = await t.api.GET('/admin/repairs/{repairJobId}/same-device', {
        ...path(none.repairJobId),
        headers: admin.headers,
      });
      expect(codeOf(missing.error)).toBe('remote/imei-not-recorded');
    });

    it('lets the technician record the IMEI only during a connected session', async () => {
      const job: SoftwareJob = await softwareJob(t, admin);
      await consent(t, job);
      const put = await t.api.PUT('/technician/repairs/{repairJobId}/imei', {
        ...path(job.repairJobId),
        body: { imei: TEST_IMEIS[0] },
        headers: job.technician.headers,
      });
      expect([put.response.status, codeOf(put.error)]).toEqual([409, 'remote/no-live-session']);
    });

    it('re-encrypts every row under the new key (npm run cli -- imei:reencrypt); the old key can then go', async () => {
      const rows = await sql<{ repair_job_id: string }>(
        `SELECT repair_job_id::text FROM repair_job_imeis`,
      );
      expect(rows.length).toBeGreaterThan(3);
      const cli = spawnSync(
        process.execPath,
        [join(projectRoot(), 'dist', 'src', 'cli.js'), 'imei:reencrypt'],
        {
          env: {
            ...process.env,
            ...QUIET_ENV,
            NODE_ENV: 'test',
            LOG_LEVEL: 'warn',
            JOBS_WORKERS: 'false',
            DATABASE_URL: t.db.appUrl,
            DATABASE_OWNER_URL: t.db.ownerUrl,
            IMEI_VAULT_KEYS: `${NEW_KEY},${OLD_KEY}`,
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(cli.stderr).not.toMatch(/imei:reencrypt: job/);
      expect(cli.status).toBe(0);
      expect(cli.stdout).toContain(`${rows.length} re-encrypted`);
      for (const imei of TEST_IMEIS) expect(cli.stdout + cli.stderr).not.toContain(imei);
      expect(await sql(`SELECT 1 FROM repair_job_imeis WHERE key_id <> 'new'`)).toHaveLength(0);
      // Readable with the new key alone (the old one removed), and still bound to its job.
      const vault = new ImeiVault(
        loadConfig({ ...process.env, NODE_ENV: 'test', IMEI_VAULT_KEYS: NEW_KEY }),
      );
      const stored = await sql<{
        repair_job_id: string;
        key_id: string;
        iv: Buffer;
        ciphertext: Buffer;
        auth_tag: Buffer;
      }>(`SELECT repair_job_id::text, key_id, iv, ciphertext, auth_tag FROM repair_job_imeis`);
      for (const r of stored)
        expect(TEST_IMEIS).toContain(
          vault.open(r.repair_job_id, {
            keyId: r.key_id,
            iv: r.iv,
            ciphertext: r.ciphertext,
            authTag: r.auth_tag,
          }),
        );
      // The running app (old key only) can no longer read them: rotation really moved the rows.
      const oldOnly = new ImeiVault(
        loadConfig({ ...process.env, NODE_ENV: 'test', IMEI_VAULT_KEYS: OLD_KEY }),
      );
      const r = stored[0]!;
      expect(() =>
        oldOnly.open(r.repair_job_id, {
          keyId: r.key_id,
          iv: r.iv,
          ciphertext: r.ciphertext,
          authTag: r.auth_tag,
        }),
      ).toThrow(/not configured/);
    });

    it('never writes an IMEI to the logs or the contract', () => {
      const logs = JSON.stringify(t.logs);
      expect(t.logs.length).toBeGreaterThan(0);
      for (const imei of TEST_IMEIS) expect(logs).not.toContain(imei);
      const contract = readFileSync(join(projectRoot(), 'openapi.json'), 'utf8');
      expect(contract).not.toMatch(/"example":\s*"\d{15}"/);
      const spec = JSON.parse(contract) as {
        components: {
          schemas: Record<string, { properties?: Record<string, { example?: unknown }> }>;
        };
      };
      const imeiFields = Object.values(spec.components.schemas).flatMap((s) =>
        Object.entries(s.properties ?? {}).filter(([name]) => name === 'imei'),
      );
      expect(imeiFields.length).toBeGreaterThanOrEqual(3);
      for (const [, field] of imeiFields) expect(field.example).toBeUndefined();
    });
  });
});
