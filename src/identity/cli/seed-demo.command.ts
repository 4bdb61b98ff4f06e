import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccountStatus, Role, TechnicianKind } from '../../common/roles.js';
import { type CliCommand, demoSeedRefused } from '../../common/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { isStaff } from '../../common/roles.js';
import { AccountSecrets } from '../account-secrets.js';
import { AccountsRepository, type NewAccount } from '../accounts.repository.js';
import { MfaRepository } from '../mfa.repository.js';
import type { AddressDto } from '../dto/signup.dto.js';
import { PasswordHasher } from '../password-hasher.js';

export const DEMO_PASSWORD = 'fixbazaar-demo-2026';

/**
 * The demo staff's TOTP secret (base32), so scripts and tests can sign them in. Development and test
 * only: seed:demo refuses production, and the secret is published here and in README.
 */
export const DEMO_TOTP_SECRET = 'FIXBAZAARDEMOSTAFFTOTPSECRETAAAA';

interface DemoAccount {
  email: string;
  role: Role;
  status: AccountStatus;
  name: string;
  technicianKind?: TechnicianKind;
  /** Technicians: their PAN (TDS at 0.1 %; their payee details carry it, `seed:payees`). */
  pan?: string;
  /** Dealers and the business buyer: GSTIN, the dealer's PAN (inside it), the address in its state. */
  gst?: { gstin: string; pan?: string; address: AddressDto };
}

const address = (
  line1: string,
  city: string,
  state: AddressDto['state'],
  pincode: string,
): AddressDto => ({ line1, city, state, pincode });

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
  { email: 'cfo@demo.fixbazaar.in', role: 'cfo', status: 'approved', name: 'Chandra CFO' },
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
    gst: {
      gstin: '29BALPR3318E1ZJ',
      address: address('4 Avenue Road', 'Bengaluru', 'Karnataka', '560009'),
    },
  },
  {
    email: 'dealer@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Deepa Spares',
    gst: {
      gstin: '29BQZPD4821K1Z7',
      pan: 'BQZPD4821K',
      address: address('12 SP Road', 'Bengaluru', 'Karnataka', '560002'),
    },
  },
  {
    email: 'dealer.mumbai@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Mumbai Mobile Parts',
    gst: {
      gstin: '27AAMFM7310C1ZH',
      pan: 'AAMFM7310C',
      address: address('88 Lamington Road', 'Mumbai', 'Maharashtra', '400007'),
    },
  },
  {
    email: 'dealer.delhi@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Delhi Display House',
    gst: {
      gstin: '07AADCD5562R1Z2',
      pan: 'AADCD5562R',
      address: address('1520 Bhagirath Palace, Chandni Chowk', 'New Delhi', 'Delhi', '110006'),
    },
  },
  {
    email: 'dealer.chennai@demo.fixbazaar.in',
    role: 'dealer',
    status: 'approved',
    name: 'Chennai Cell Spares',
    gst: {
      gstin: '33AAKFC2094H1ZJ',
      pan: 'AAKFC2094H',
      address: address('45 Ritchie Street', 'Chennai', 'Tamil Nadu', '600002'),
    },
  },
  {
    email: 'dealer.pending@demo.fixbazaar.in',
    role: 'dealer',
    status: 'pending',
    name: 'New Dealer (pending)',
    gst: {
      gstin: '36CXTPN6637M1ZF',
      pan: 'CXTPN6637M',
      address: address('7 Jagdish Market, Abids', 'Hyderabad', 'Telangana', '500001'),
    },
  },
  {
    email: 'tech.hardware@demo.fixbazaar.in',
    role: 'technician',
    status: 'approved',
    name: 'Harish Hardware',
    technicianKind: 'hardware',
    pan: 'AHHPH5521K',
  },
  {
    email: 'tech.software@demo.fixbazaar.in',
    role: 'technician',
    status: 'approved',
    name: 'Sana Software',
    technicianKind: 'software',
    pan: 'BSSPS7734M',
  },
];

/** A demo account as it is on file. */
export interface DemoAccountOnFile {
  id: string;
  email: string;
  name: string;
  pan: string | null;
}

/**
 * The approved demo accounts of `role` on file (seeded by `seed:demo`), by email, for the demo steps
 * of the modules above identity.
 */
export async function approvedDemoAccountsIn(
  tx: EntityManager,
  role: Role,
): Promise<DemoAccountOnFile[]> {
  const { rows } = await execute<DemoAccountOnFile>(
    tx,
    `SELECT id::text AS id, email::text AS email, coalesce(business_name, display_name) AS name, pan
     FROM users WHERE email = ANY($1::text[]) AND role = $2 AND status = 'approved' ORDER BY email`,
    [DEMO_ACCOUNTS.map((a) => a.email), role],
  );
  return rows;
}

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
    private readonly mfa: MfaRepository,
    private readonly secrets: AccountSecrets,
  ) {}

  async run(): Promise<number> {
    if (demoSeedRefused(this.name, this.config.env)) return 1;
    const passwordHash = await this.hasher.hash(DEMO_PASSWORD);
    let created = 0;
    for (const d of DEMO_ACCOUNTS) {
      const account: NewAccount = {
        role: d.role,
        status: d.status,
        email: d.email,
        passwordHash,
        displayName: d.name,
        ...(d.gst ? { businessName: d.name, gstin: d.gst.gstin } : {}),
        ...(d.gst && d.role === 'business' ? { billingAddress: d.gst.address } : {}),
        ...(d.gst && d.role === 'dealer' ? { pan: d.gst.pan, pickupAddress: d.gst.address } : {}),
        ...(d.technicianKind
          ? {
              technicianKind: d.technicianKind,
              ...(d.pan ? { pan: d.pan } : {}),
              skills: ['display', 'battery'],
              // Ready for jobs once their payee details are in (`seed:payees`, in payouts).
              brands: ['Samsung', 'Xiaomi', 'Apple'],
              serviceArea: { latitude: 12.9716, longitude: 77.5946, radiusKm: 15 },
            }
          : {}),
      };
      const row = await this.tx.run(async (tx) => {
        const inserted = await this.accounts.insert(tx, account, 'demo seed');
        // Demo staff are enrolled with the published demo secret (step 0: any current code works once).
        if (inserted && isStaff(d.role)) {
          await this.mfa.putPending(tx, inserted.id, this.secrets.encrypt(DEMO_TOTP_SECRET));
          await this.mfa.useStep(tx, inserted.id, 0);
        }
        return inserted;
      });
      if (row) created++;
    }
    const [{ n }] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM users WHERE email LIKE '%@demo.fixbazaar.in'`,
    )) as [{ n: number }];
    console.log(
      `demo accounts: ${created} created, ${n} present (password ${DEMO_PASSWORD}; staff TOTP secret ${DEMO_TOTP_SECRET})`,
    );
    return 0;
  }
}
