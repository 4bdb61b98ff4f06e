import { adbServiceKind, AdbServiceWatcher } from './adb.js';

function message(command: string, data: string): Buffer {
  const header = Buffer.alloc(24);
  const code = Buffer.from(command).readUInt32LE(0);
  header.writeUInt32LE(code, 0);
  header.writeUInt32LE(Buffer.byteLength(data), 12);
  header.writeUInt32LE((code ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('ADB service watcher', () => {
  it('reports every OPEN, across chunk boundaries, skipping other messages and their data', () => {
    const seen: string[] = [];
    const watcher = new AdbServiceWatcher((s) => seen.push(s));
    const stream = Buffer.concat([
      message('CNXN', 'host::features=shell_v2\0'),
      message('OPEN', 'shell:getprop ro.serialno\0'),
      message('WRTE', 'x'.repeat(5000)),
      message('OPEN', 'sync:\0'),
    ]);
    for (let i = 0; i < stream.length; i += 7) watcher.push(stream.subarray(i, i + 7));
    expect(seen).toEqual(['shell:getprop ro.serialno', 'sync:']);
  });

  it('stops at anything that is not ADB, and once ADB switches to TLS', () => {
    const seen: string[] = [];
    const watcher = new AdbServiceWatcher((s) => seen.push(s));
    watcher.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    watcher.push(message('OPEN', 'shell:id\0'));
    const tls = new AdbServiceWatcher((s) => seen.push(s));
    tls.push(Buffer.concat([message('STLS', ''), message('OPEN', 'shell:id\0')]));
    expect(seen).toEqual([]);
  });

  it('names the kind of service', () => {
    expect(adbServiceKind('shell:ls -l')).toBe('shell');
    expect(adbServiceKind('shell,v2,raw:ls')).toBe('shell');
    expect(adbServiceKind('sync:')).toBe('sync');
    expect(adbServiceKind('exec:cmd package install -S 12')).toBe('install');
    expect(adbServiceKind('shell:pm install /data/local/tmp/a.apk')).toBe('install');
    expect(adbServiceKind('reboot:')).toBe('reboot');
    expect(adbServiceKind('???')).toBe('other');
  });
});
