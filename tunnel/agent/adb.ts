/**
 * Reads the ADB wire protocol on the customer's plaintext side and reports the services the
 * technician opens (`shell:…`, `sync:`, `exec:…`, installs), the customer's record of what was done
 * on their phone. A message is a 24-byte header (command, arg0, arg1, data length, data CRC, magic =
 * command XOR 0xffffffff, all little-endian u32) and its data; an OPEN's data is the service name.
 * On anything that is not ADB (or once ADB switches to TLS, STLS) it stops looking.
 */
const A_OPEN = 0x4e45504f;
const A_STLS = 0x534c5453;
const HEADER_BYTES = 24;
const MAX_DATA_BYTES = 1024 * 1024;
const MAX_SERVICE_CHARS = 256;

export class AdbServiceWatcher {
  private buffer: Buffer = Buffer.alloc(0);
  private skip = 0;
  private active = true;

  constructor(private readonly onService: (service: string) => void) {}

  push(chunk: Buffer): void {
    if (!this.active) return;
    if (this.skip >= chunk.length) {
      this.skip -= chunk.length;
      return;
    }
    const data = chunk.subarray(this.skip);
    this.skip = 0;
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.active && this.buffer.length >= HEADER_BYTES) {
      const command = this.buffer.readUInt32LE(0);
      const length = this.buffer.readUInt32LE(12);
      const magic = this.buffer.readUInt32LE(20);
      if ((command ^ 0xffffffff) >>> 0 !== magic || length > MAX_DATA_BYTES || command === A_STLS) {
        this.active = false;
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (command === A_OPEN) {
        if (this.buffer.length < HEADER_BYTES + length) return;
        const service = this.buffer
          .subarray(HEADER_BYTES, HEADER_BYTES + length)
          .toString('utf8')
          .replace(/\0+$/, '');
        this.onService(service.slice(0, MAX_SERVICE_CHARS));
        this.buffer = this.buffer.subarray(HEADER_BYTES + length);
        continue;
      }
      const available = this.buffer.length - HEADER_BYTES;
      if (available >= length) {
        this.buffer = this.buffer.subarray(HEADER_BYTES + length);
      } else {
        this.skip = length - available;
        this.buffer = Buffer.alloc(0);
      }
    }
  }
}

/** `shell:ls -l` → `shell`; `exec:cmd package install -S 1234` → `install`. */
export function adbServiceKind(service: string): string {
  if (
    /^(exec|shell)(,[^:]*)?:(cmd package|pm) install/.test(service) ||
    /^abb_exec:package\0?install/.test(service)
  ) {
    return 'install';
  }
  const kind = /^([a-z_-]+)(?:,[^:]*)?:/.exec(service)?.[1];
  return kind ?? 'other';
}
