import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalOutboxSender } from './local-outbox.sender.js';
import { maskRecipient } from './notification-sender.js';

describe('LocalOutboxSender', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'outbox-spec-')), 'nested', 'outbox');
  });
  afterEach(() => rm(join(dir, '..', '..'), { recursive: true, force: true }));

  it('writes each message as a private JSON file in the folder (created on demand)', async () => {
    const sender = new LocalOutboxSender(dir, false);
    await sender.send({
      channel: 'sms',
      to: '+919876543210',
      purpose: 'phone_verification',
      text: 'code 123456',
      code: '123456',
    });
    await sender.send({
      channel: 'email',
      to: 'a@b.in',
      purpose: 'password_reset',
      subject: 'S',
      text: 'x',
    });
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d-]+Z-(sms|email)-[0-9a-f-]{36}\.json$/);
    const messages = await Promise.all(
      files.map(
        async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>,
      ),
    );
    expect(messages.map((m) => m.to).sort()).toEqual(['+919876543210', 'a@b.in']);
    expect(messages.find((m) => m.channel === 'sms')).toMatchObject({
      text: 'code 123456',
      sentAt: expect.any(String),
    });
    expect((await stat(join(dir, files[0]!))).mode & 0o777).toBe(0o600);
  });
});

describe('maskRecipient', () => {
  it('keeps enough to tell recipients apart, not to reach them', () => {
    expect(maskRecipient('asha@example.in')).toBe('a***@example.in');
    expect(maskRecipient('+919876543210')).toBe('+91******3210');
  });
});
