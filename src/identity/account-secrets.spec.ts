import type { AppConfig } from '../config/app-config.js';
import { AccountSecrets } from './account-secrets.js';

const secretsUnder = (key: string) =>
  new AccountSecrets({ auth: { accountSecretsKey: key } } as AppConfig);

describe('AccountSecrets', () => {
  const a = secretsUnder('a'.repeat(32));

  it('encrypts with a fresh IV each time and decrypts back; another key or a changed byte fails', () => {
    const sealed = a.encrypt('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(a.encrypt('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(a.decrypt(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => secretsUnder('b'.repeat(32)).decrypt(sealed)).toThrow();
    const [v, iv, tag, data] = sealed.split('.');
    const flipped = `${data![0] === 'A' ? 'B' : 'A'}${data!.slice(1)}`;
    expect(() => a.decrypt([v, iv, tag, flipped].join('.'))).toThrow();
  });

  it('hashes a code bound to its scope; only the same code in the same scope matches', () => {
    const hash = a.hashCode('row-1', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.codeMatches('row-1', '123456', hash)).toBe(true);
    expect(a.codeMatches('row-1', '123457', hash)).toBe(false);
    expect(a.codeMatches('row-2', '123456', hash)).toBe(false);
    expect(secretsUnder('b'.repeat(32)).codeMatches('row-1', '123456', hash)).toBe(false);
  });
});
