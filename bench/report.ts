/**
 * What a benchmark section hands back, and how it is printed: aligned text tables, a goal list
 * with met / MISSED, errors, and one machine-readable `BENCH_JSON` line for the whole run.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Table {
  title?: string;
  headers: string[];
  rows: string[][];
  /** Columns to right-align (numbers); the others are left-aligned. */
  numeric?: number[];
}

export interface GoalCheck {
  /** e.g. "/panel help: throughput ≥ 0.7× bare". */
  goal: string;
  /** The measured value, formatted, e.g. "0.82×". */
  actual: string;
  met: boolean;
}

export interface SectionResult {
  /** Key in the JSON output, e.g. "slashAck". */
  id: string;
  title: string;
  tables: Table[];
  goals: GoalCheck[];
  /** Anything that makes the run invalid (non-200 responses, missing Slack calls...). */
  errors: string[];
  /** Free-form remarks printed under the tables. */
  notes: string[];
  data: JsonValue;
}

/** Formats a number with a fixed number of decimals, or "n/a" when it is not finite. */
export function fmt(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Rounds for JSON output; non-finite values become null. */
export function round(value: number, decimals = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function renderTable(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return numeric.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (table.title !== undefined) out.push(table.title);
  out.push(line(table.headers));
  out.push(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of table.rows) out.push(line(row));
  return out.join('\n');
}

export function renderSection(section: SectionResult): string {
  const out: string[] = [];
  const rule = '='.repeat(Math.max(40, section.title.length));
  out.push(rule, section.title, rule, '');
  for (const table of section.tables) out.push(renderTable(table), '');
  if (section.goals.length > 0) {
    out.push(
      renderTable({
        title: 'Goals',
        headers: ['goal', 'actual', 'result'],
        rows: section.goals.map((g) => [g.goal, g.actual, g.met ? 'met' : 'MISSED']),
      }),
      '',
    );
  }
  for (const note of section.notes) out.push(`note: ${note}`);
  if (section.notes.length > 0) out.push('');
  for (const error of section.errors) out.push(`ERROR: ${error}`);
  if (section.errors.length > 0) out.push('');
  return out.join('\n');
}

export interface RunSummary {
  goalsMet: number;
  goalsMissed: number;
  errors: number;
}

export function summarize(sections: readonly SectionResult[]): RunSummary {
  const goals = sections.flatMap((s) => s.goals);
  return {
    goalsMet: goals.filter((g) => g.met).length,
    goalsMissed: goals.filter((g) => !g.met).length,
    errors: sections.reduce((sum, s) => sum + s.errors.length, 0),
  };
}

export function renderSummary(summary: RunSummary, failures: readonly string[]): string {
  const lines: string[] = [];
  if (summary.errors > 0 || failures.length > 0) {
    lines.push(`RESULT: ERRORS (${summary.errors + failures.length}); the numbers above are not trustworthy`);
    for (const failure of failures) lines.push(`ERROR: ${failure}`);
  } else if (summary.goalsMissed > 0) {
    lines.push(`RESULT: MISSED ${summary.goalsMissed} of ${summary.goalsMet + summary.goalsMissed} goals`);
  } else {
    lines.push(`RESULT: all ${summary.goalsMet} goals met`);
  }
  return lines.join('\n');
}

/** The single-line JSON record later tooling can parse (`BENCH_JSON {...}`). */
export function benchJsonLine(record: { [key: string]: JsonValue }): string {
  return `BENCH_JSON ${JSON.stringify(record)}`;
}
