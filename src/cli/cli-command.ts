/** An operational command run by `npm run cli -- <name> [args]`. Modules register theirs with the CLI_COMMANDS token. */
export interface CliCommand {
  readonly name: string;
  readonly description: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export const CLI_COMMANDS = Symbol('CLI_COMMANDS');
