import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CLI_COMMANDS, type CliCommand } from './common/cli-command.js';
import { CliModule } from './cli/cli.module.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { scrubText } from './observability/error-redaction.js';

/** `npm run cli -- <command> [args]`: operational commands on the same modules as the server. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  // Commands enqueue jobs (in their transactions) but never run workers or schedules.
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, JOBS_WORKERS: 'false' });
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    const commands = app.get<CliCommand[]>(CLI_COMMANDS);
    const command = commands.find((c) => c.name === name);
    if (!command) {
      const width = Math.max(...commands.map((c) => c.name.length));
      console.log(name && name !== 'help' ? `unknown command "${name}"\n` : '');
      console.log('usage: npm run cli -- <command> [args]\n\ncommands:');
      for (const c of commands) console.log(`  ${c.name.padEnd(width)}  ${c.description}`);
      return name && name !== 'help' ? 2 : 0;
    }
    return await command.run(args);
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof ConfigError ? err.message : `cli failed: ${scrubText((err as Error).message)}`}\n`,
    );
    process.exit(1);
  },
);
