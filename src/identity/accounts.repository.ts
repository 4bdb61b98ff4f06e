import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccountStatus, Role, TechnicianKind } from '../common/roles.js';
import { execute } from '../database/sql.js';
import type { AccountDto, StatusChangeDto } from './dto/account.dto.js';
import type { AddressDto } from './dto/signup.dto.js';
import { SessionPrincipals } from './session-principals.js';

export const ACCOUNT_COLUMNS = `u.id, u.role, u.status, u.email, u.phone, u.display_name, u.business_name, u.gstin, u.pan,
  u.pickup_address, u.billing_address, u.gstin_duplicate_of, u.technician_kind, u.skills, u.brands, u.service_radius_km, u.created_at, u.phone_verified_at,
  ST_Y(u.service_area::geometry) AS service_lat, ST_X(u.service_area::geometry) AS service_lon`;

export interface AccountRow {
  id: string;
  role: Role;
  status: AccountStatus;
  email: string | null;
  phone: string | null;
  phone_verified_at: Date | null;
  display_name: string;
  business_name: string | null;
  gstin: string | null;
  pan: string | null;
  pickup_address: AddressDto | null;
  billing_address: AddressDto | null;
  gstin_duplicate_of: string | null;
  technician_kind: TechnicianKind | null;
  skills: string[];
  brands: string[];
  service_radius_km: string | null;
  service_lat: number | null;
  service_lon: number | null;
  created_at: Date;
}

export function toAccountDto(r: AccountRow): AccountDto {
  return {
    id: r.id,
    role: r.role,
    status: r.status,
    email: r.email,
    phone: r.phone,
    phoneVerifiedAt: r.phone_verified_at?.toISOString() ?? null,
    displayName: r.display_name,
    ...(r.business_name ? { businessName: r.business_name } : {}),
    ...(r.gstin ? { gstin: r.gstin } : {}),
    ...(r.pan ? { pan: r.pan } : {}),
    ...(r.pickup_address ? { pickupAddress: r.pickup_address } : {}),
    ...(r.billing_address ? { billingAddress: r.billing_address } : {}),
    ...(r.technician_kind
      ? {
          technicianKind: r.technician_kind,
          skills: r.skills,
          brands: r.brands,
          serviceArea: {
            latitude: r.service_lat ?? 0,
            longitude: r.service_lon ?? 0,
            radiusKm: Number(r.service_radius_km),
          },
        }
      : {}),
    createdAt: r.created_at.toISOString(),
  };
}

export interface NewAccount {
  role: Role;
  status: AccountStatus;
  email?: string;
  phone?: string;
  passwordHash: string;
  displayName: string;
  businessName?: string;
  gstin?: string;
  pan?: string;
  pickupAddress?: AddressDto;
  billingAddress?: AddressDto;
  technicianKind?: TechnicianKind;
  skills?: string[];
  brands?: string[];
  serviceArea?: { latitude: number; longitude: number; radiusKm: number };
  createdBy?: string;
}

/** The only code that reads and writes `users` and `account_status_history`. */
@Injectable()
export class AccountsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly principals: SessionPrincipals,
  ) {}

  /**
   * Inserts the account and its first history row; returns null when the email or phone is taken,
   * or the GSTIN by an account of the same kind (see `gstinHolder`).
   */
  async insert(tx: EntityManager, a: NewAccount, reason: string): Promise<AccountRow | null> {
    const rows = (await tx.query(
      `INSERT INTO users (role, status, email, phone, password_hash, display_name, business_name, gstin, pan, pickup_address,
                          technician_kind, skills, service_area, service_radius_km, created_by, billing_address, brands)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,COALESCE($12::text[], '{}'),
               CASE WHEN $13::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($14::float8, $13::float8), 4326)::geography END,
               $15,$16,$17,COALESCE($18::text[], '{}'))
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        a.role,
        a.status,
        a.email ?? null,
        a.phone ?? null,
        a.passwordHash,
        a.displayName,
        a.businessName ?? null,
        a.gstin ?? null,
        a.pan ?? null,
        a.pickupAddress ? JSON.stringify(a.pickupAddress) : null,
        a.technicianKind ?? null,
        a.skills ?? null,
        a.serviceArea?.latitude ?? null,
        a.serviceArea?.longitude ?? null,
        a.serviceArea?.radiusKm ?? null,
        a.createdBy ?? null,
        a.billingAddress ? JSON.stringify(a.billingAddress) : null,
        a.brands ?? null,
      ],
    )) as { id: string }[];
    if (!rows[0]) return null;
    await this.addHistory(tx, rows[0].id, null, a.status, reason, a.createdBy ?? null, false);
    return (await this.findById(tx, rows[0].id))!;
  }

  /** The account of `role` holding `gstin` (one per kind, by the partial unique indexes). */
  async gstinHolder(tx: EntityManager, role: Role, gstin: string): Promise<string | undefined> {
    const rows = (await tx.query(
      `SELECT id FROM users WHERE role = $1 AND gstin = $2 AND gstin_duplicate_of IS NULL`,
      [role, gstin],
    )) as { id: string }[];
    return rows[0]?.id;
  }

  async findById(
    tx: EntityManager | null,
    id: string,
    lock = false,
  ): Promise<AccountRow | undefined> {
    const rows = (await (tx ?? this.dataSource).query(
      `SELECT ${ACCOUNT_COLUMNS} FROM users u WHERE u.id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [id],
    )) as AccountRow[];
    return rows[0];
  }

  async findForLogin(
    identifier: string,
  ): Promise<{ id: string; status: AccountStatus; role: Role; password_hash: string } | undefined> {
    const byPhone = identifier.startsWith('+');
    const rows = (await this.dataSource.query(
      `SELECT id, status, role, password_hash FROM users WHERE ${byPhone ? 'phone = $1' : 'email = $1'}`,
      [identifier],
    )) as { id: string; status: AccountStatus; role: Role; password_hash: string }[];
    return rows[0];
  }

  async passwordHash(tx: EntityManager, id: string): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT password_hash FROM users WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as { password_hash: string }[];
    return rows[0]?.password_hash;
  }

  async setPasswordHash(tx: EntityManager, id: string, hash: string): Promise<void> {
    await tx.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [
      id,
      hash,
    ]);
  }

  async setPhoneVerified(tx: EntityManager, id: string): Promise<void> {
    this.principals.changed(id);
    await tx.query(
      `UPDATE users SET phone_verified_at = now(), updated_at = now() WHERE id = $1 AND phone IS NOT NULL`,
      [id],
    );
  }

  async updateProfile(
    tx: EntityManager,
    id: string,
    patch: { displayName?: string; skills?: string[]; brands?: string[] },
  ): Promise<void> {
    await tx.query(
      `UPDATE users SET display_name = COALESCE($2, display_name), skills = COALESCE($3::text[], skills),
         brands = COALESCE($4::text[], brands), updated_at = now() WHERE id = $1`,
      [id, patch.displayName ?? null, patch.skills ?? null, patch.brands ?? null],
    );
  }

  /** Moves the account `from` → `to` if it is still `from`; rows affected (for the state machine's `transition`). */
  async setStatus(
    tx: EntityManager,
    id: string,
    from: AccountStatus,
    to: AccountStatus,
  ): Promise<{ affected: number }> {
    this.principals.changed(id);
    return execute(
      tx,
      `UPDATE users SET status = $3, updated_at = now() WHERE id = $1 AND status = $2`,
      [id, from, to],
    );
  }

  async addHistory(
    tx: EntityManager,
    userId: string,
    from: AccountStatus | null,
    to: AccountStatus,
    reason: string,
    actorId: string | null,
    override: boolean,
  ): Promise<string> {
    const { rows } = await execute<{ id: string }>(
      tx,
      `INSERT INTO account_status_history (user_id, from_status, to_status, reason, actor_id, override)
       VALUES ($1,$2,$3,$4,$5,$6) RETURNING id::text AS id`,
      [userId, from, to, reason, actorId, override],
    );
    return rows[0]!.id;
  }

  async history(tx: EntityManager, id: string): Promise<StatusChangeDto[]> {
    const rows = (await tx.query(
      `SELECT from_status, to_status, reason, actor_id, override, created_at FROM account_status_history WHERE user_id = $1 ORDER BY id`,
      [id],
    )) as {
      from_status: AccountStatus | null;
      to_status: AccountStatus;
      reason: string;
      actor_id: string | null;
      override: boolean;
      created_at: Date;
    }[];
    return rows.map((r) => ({
      fromStatus: r.from_status,
      toStatus: r.to_status,
      reason: r.reason,
      actorId: r.actor_id,
      override: r.override,
      at: r.created_at.toISOString(),
    }));
  }

  /** Pending accounts, oldest first, keyset-paginated on (created_at, id). */
  async pending(
    role: Role | undefined,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<(AccountRow & { cursor_at: string })[]> {
    return (await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS}, u.created_at::text AS cursor_at FROM users u
        WHERE u.status = 'pending' AND ($1::text IS NULL OR u.role = $1)
          AND ($2::timestamptz IS NULL OR (u.created_at, u.id) > ($2::timestamptz, $3::uuid))
        ORDER BY u.created_at, u.id LIMIT $4`,
      [role ?? null, after?.createdAt ?? null, after?.id ?? null, limit],
    )) as (AccountRow & { cursor_at: string })[];
  }
}
