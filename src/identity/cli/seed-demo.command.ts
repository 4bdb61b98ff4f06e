import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AccountStatus, Role, TechnicianKind } from '../../access/roles.js';
import type { CliCommand } from '../../cli/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AccountsRepository, type NewAccount } from '../accounts.repository.js';
import { PasswordHasher } from '../password-hasher.js';

export const DEMO_PASSWORD = 'fixbazaar-demo-2026';

interface DemoAccount {
  email: string;
  role: Role;
  status: AccountStatus;
  name: string;
  technicianKind?: TechnicianKind;
}

/** One account per role (and the states worth trying), all with DEMO_PASSWORD. */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { email: 'admin@demo.fixbazaar.in', role: 'admin', status: 'approved', name: 'Asha Admin' },
  {
    email: 'finance@demo.fixbazaar.in',
    role: 'finance',
    status: 'approved',
    name: 'Farid Finance',
  },
  { email: 'ops@demo.fixbazaar.in', role: 'ops_leader', status: 'approved', name: 'Omkar Ops' },
  {
    email: 'compliance@demo.fixbazaar.in',
    role: 'compliance',
    status: 'approved',
    name: 'Chitra Compliance',
  },
  {
    email: 'customer@demo.fixbazaar.in',
    role: 'customer',
    status: 'approved',
    name: 'Kiran Customer',
  },
  {
    email: 'business@demo.fixbazaar.in',
    role: 'business',
    status: 'approved',
    name: 'Bala Repairs (B2B)',
  },
  { email: 'dealer@demo.fixbazaar.in', role: 'dealer', status: 'approved', name: 'Deepa Spares' },
  {
    email: 'dealer.mumbai@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Mumbai Mobile Parts',
  },
  {
    email: 'dealer.delhi@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Delhi Display House',
  },
  {
    email: 'dealer.chennai@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Chennai Cell Spares',
  },
  {
    email: 'dealer.pending@demo.fixbazaar.in',
    role: 'dealer',
    status: 'pending',
    name: 'New Dealer (pending)',
  },
  {
    email: 'tech.hardware@demo.fixbazaar.in',
    role: 'technician',
    status: 'approved',
    name: 'Harish Hardware',
    technicianKind: 'hardware',
  },
  {
    email: 'tech.software@demo.fixbazaar.in',
    role: 'technician',
    status: 'approved',
    name: 'Sana Software',
    technicianKind: 'software',
  },
];

/** `seed:demo`: the demo accounts `npm run up` prints. Idempotent; refused in production. */
@Injectable()
export class SeedDemoCommand implements CliCommand {
  readonly name = 'seed:demo';
  readonly description =
    'Create the demo accounts (one per role, password in README); skips existing ones';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly accounts: AccountsRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async run(): Promise<number> {
    if (this.config.env === 'production') {
      console.error('seed:demo: refused with NODE_ENV=production');
      return 1;
    }
    const passwordHash = await this.hasher.hash(DEMO_PASSWORD);
    let created = 0;
    for (const d of DEMO_ACCOUNTS) {
      const business = d.role === 'business' || d.role === 'dealer';
      const account: NewAccount = {
        role: d.role,
        status: d.status,
        email: d.email,
        passwordHash,
        displayName: d.name,
        ...(business ? { businessName: d.name, gstin: '29ABCDE1234F1Z5' } : {}),
        ...(d.role === 'dealer'
          ? {
              pan: 'ABCDE1234F',
              pickupAddress: {
                line1: '12 SP Road',
                city: 'Bengaluru',
                state: 'Karnataka',
                pincode: '560002',
              },
            }
          : {}),
        ...(d.technicianKind
          ? {
              technicianKind: d.technicianKind,
              skills: ['display', 'battery'],
              serviceArea: { latitude: 12.9716, longitude: 77.5946, radiusKm: 15 },
            }
          : {}),
      };
      const row = await this.tx.run((tx) => this.accounts.insert(tx, account, 'demo seed'));
      if (row) created++;
    }
    const [{ n }] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM users WHERE email LIKE '%@demo.fixbazaar.in'`,
    )) as [{ n: number }];
    console.log(`demo accounts: ${created} created, ${n} present (password ${DEMO_PASSWORD})`);
    return 0;
  }
}
