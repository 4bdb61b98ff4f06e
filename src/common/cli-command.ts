import type { RequestMeta } from './request-meta.js';
import type { Role } from './roles.js';

/** An operational command run by `npm run cli -- <name> [args]`. Modules register theirs with the CLI_COMMANDS token. */
export interface CliCommand {
  readonly name: string;
  readonly description: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export const CLI_COMMANDS = Symbol('CLI_COMMANDS');

/** The value of `--name value` or `--name=value` in a command's arguments. */
export function optionValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/**
 * The guard every demo seed (`seed:*`) runs first: demo data never reaches production. True (said
 * on stderr; the seed exits 1) with NODE_ENV=production.
 */
export function demoSeedRefused(command: string, env: string): boolean {
  if (env !== 'production') return false;
  console.error(`${command}: refused with NODE_ENV=production`);
  return true;
}

/**
 * Who a demo seed acts as when it goes through the code production runs (audited as that account,
 * from the seed: request id and user agent the command's name, from 127.0.0.1).
 */
export function demoSeedMeta(command: string, userId: string, role: Role): RequestMeta {
  return {
    requestId: command,
    ip: '127.0.0.1',
    deviceFingerprint: null,
    userAgent: command,
    principal: { userId, sessionId: command, role, status: 'approved', technicianKind: null },
  };
}
