/**
 * A stand-in for a phone's adbd on TCP, enough for `adb connect` and `adb shell <cmd>` (legacy
 * shell, no authentication): it answers CNXN, and each `shell:` OPEN with one line and a close.
 * Also builds raw ADB messages for tests that speak the protocol themselves.
 */
import type { Socket } from 'node:net';

const COMMAND = {
  CNXN: 0x4e584e43,
  OPEN: 0x4e45504f,
  OKAY: 0x59414b4f,
  CLSE: 0x45534c43,
  WRTE: 0x45545257,
} as const;
type Command = keyof typeof COMMAND;

export function adbMessage(command: Command, arg0: number, arg1: number, data = Buffer.alloc(0)) {
  const header = Buffer.alloc(24);
  const code = COMMAND[command];
  header.writeUInt32LE(code, 0);
  header.writeUInt32LE(arg0, 4);
  header.writeUInt32LE(arg1, 8);
  header.writeUInt32LE(data.length, 12);
  header.writeUInt32LE(
    data.reduce((sum, b) => (sum + b) >>> 0, 0),
    16,
  );
  header.writeUInt32LE((code ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, data]);
}

/** Serves one adb host connection on `socket`. */
export function adbDevice(socket: Socket): void {
  let buffer = Buffer.alloc(0);
  let nextId = 1;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 24) {
      const length = buffer.readUInt32LE(12);
      if (buffer.length < 24 + length) return;
      const command = buffer.readUInt32LE(0);
      const arg0 = buffer.readUInt32LE(4);
      const arg1 = buffer.readUInt32LE(8);
      const data = buffer.subarray(24, 24 + length);
      buffer = buffer.subarray(24 + length);
      if (command === COMMAND.CNXN) {
        socket.write(
          adbMessage(
            'CNXN',
            0x01000001,
            256 * 1024,
            Buffer.from(
              'device::ro.product.name=standin;ro.product.model=StandIn;ro.product.device=standin;features=',
            ),
          ),
        );
      } else if (command === COMMAND.OPEN) {
        const service = data.toString('utf8').replace(/\0+$/, '');
        const id = nextId++;
        socket.write(adbMessage('OKAY', id, arg0));
        if (service.startsWith('shell:')) {
          socket.write(
            adbMessage('WRTE', id, arg0, Buffer.from(`stand-in ran: ${service.slice(6)}\n`)),
          );
        }
        socket.write(adbMessage('CLSE', id, arg0));
      } else if (command === COMMAND.WRTE) {
        socket.write(adbMessage('OKAY', arg1, arg0));
      }
    }
  });
}
