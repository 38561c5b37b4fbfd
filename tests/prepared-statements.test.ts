import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { loadSubmissionContext } from '../src/db/feedback.js';
import { loadPanelSnapshot } from '../src/db/panel-snapshot.js';
import { givenPanel, givenSlots } from './support/factories.js';
import { openMigratedTestDatabase, TEAM_ID, TEST_NOW } from './support/test-env.js';

// One connection, so the second run of each statement meets the plan prepared by the first.
let db: Kysely<Database>;
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase({ max: 1 }));
});
afterAll(async () => close());

describe('prepared statements across a migration', () => {
  it('a running process still reads panels after a migration adds a panel column', async () => {
    const panel = await givenPanel(db, TEST_NOW, { candidateName: 'Prepared Candidate' });
    const [slot] = await givenSlots(db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-02T10:00:00Z', interviewers: ['UPREP'] },
    ]);
    if (slot === undefined) throw new Error('not booked');
    const context = () =>
      db.transaction().execute((trx) =>
        loadSubmissionContext(trx, {
          teamId: TEAM_ID,
          panelId: panel.id,
          slotId: slot.slot.id,
          userId: 'UPREP',
          viewId: 'VPREP',
        }),
      );
    expect((await loadPanelSnapshot(db, TEAM_ID, panel.id))?.details.panel.candidate_name).toBe(
      'Prepared Candidate',
    );
    expect((await context())?.panel.candidate_name).toBe('Prepared Candidate');

    // What a deploy's migration does while the old processes still serve.
    await sql`alter table panel add column added_later text`.execute(db);

    expect((await loadPanelSnapshot(db, TEAM_ID, panel.id))?.details.panel.candidate_name).toBe(
      'Prepared Candidate',
    );
    expect((await context())?.panel.candidate_name).toBe('Prepared Candidate');
  });
});
