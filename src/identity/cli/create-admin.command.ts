import { Injectable } from '@nestjs/common';
import { optionValue, type CliCommand } from '../../common/cli-command.js';
import { AppProblem } from '../../common/errors/problem.js';
import { AccountsService } from '../accounts.service.js';

/** `create-admin --email E --name N` (password from --password or FIXBAZAAR_ADMIN_PASSWORD): the first admin. */
@Injectable()
export class CreateAdminCommand implements CliCommand {
  readonly name = 'create-admin';
  readonly description =
    'Create an admin account: --email E [--name N] (--password P or env FIXBAZAAR_ADMIN_PASSWORD)';

  constructor(private readonly accounts: AccountsService) {}

  async run(args: string[]): Promise<number> {
    const email = optionValue(args, '--email');
    const password = optionValue(args, '--password') ?? process.env.FIXBAZAAR_ADMIN_PASSWORD;
    const displayName = optionValue(args, '--name') ?? 'Administrator';
    if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      console.error('create-admin: --email is required and must be an email address');
      return 2;
    }
    if (!password || password.length < 10 || password.length > 128) {
      console.error(
        'create-admin: a password of 10 to 128 characters is required (--password or FIXBAZAAR_ADMIN_PASSWORD)',
      );
      return 2;
    }
    try {
      const admin = await this.accounts.createFirstAdmin({ email, password, displayName });
      console.log(`created admin ${admin.email} (${admin.id})`);
      return 0;
    } catch (err) {
      if (err instanceof AppProblem) {
        console.error(`create-admin: ${err.detail ?? err.title}`);
        return 1;
      }
      throw err;
    }
  }
}
