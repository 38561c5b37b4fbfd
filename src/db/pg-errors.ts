/** The SQLSTATE codes Panelist answers differently from any other failure. */
export const UNIQUE_VIOLATION = '23505';
export const EXCLUSION_VIOLATION = '23P01';

/** The SQLSTATE of an error Postgres (or the embedded PGlite) raised; undefined for anything else. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether Postgres refused the statement with `code`, on `constraint` when one is named. */
export function isViolation(error: unknown, code: string, constraint?: string): boolean {
  if (pgErrorCode(error) !== code) return false;
  return constraint === undefined || (error as { constraint?: unknown }).constraint === constraint;
}

/** The constraint a Postgres error names, if any. */
export function violatedConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
