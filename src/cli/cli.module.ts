import { Module, type DynamicModule } from '@nestjs/common';
import { coreImports } from '../app.module.js';
import type { AppConfig } from '../config/app-config.js';
import { CLI_COMMANDS, type CliCommand } from './cli-command.js';
import { DbStatusCommand } from './db-status.command.js';

const COMMANDS = [DbStatusCommand];

@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: coreImports(config),
      providers: [
        ...COMMANDS,
        {
          provide: CLI_COMMANDS,
          inject: COMMANDS,
          useFactory: (...commands: CliCommand[]) => commands,
        },
      ],
    };
  }
}
