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
