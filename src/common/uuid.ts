/** A UUID as PostgreSQL prints it (lower-case hex, hyphenated): ids in paths, bodies and cursors. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
