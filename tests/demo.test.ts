import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.js';
import { createTestDatabase, TEST_REDIS_URL } from './support/test-env.js';

// Real: the whole app (web and worker), Redis, and either PostgreSQL or the embedded PGlite.
// Faked: Slack (the double). This is `npm run demo`, checked for the moments a user must see.
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function checkTranscript(lines: string[]) {
  const text = lines.join('\n');
  const moments = [
    'modal “New panel” shown to Rita (recruiter)',
    '*P-1* is open for *Ada Okafor*',
    '→ #hiring-backend',
    'Second-round panel *P-1 · Ada Okafor*',
    'Sam (peer) already interviews', // the refused double-booking, as the modal shows it
    'Schedule saved',
    'DM to Priya (peer)',
    ':mag: *Briefing*',
    'Tue 8 Dec 15:30 GMT+5:30', // Priya's slot in Kolkata time
    'modal “Feedback P-1” shown to Hugo (hiring manager)',
    '*Reminder:* your feedback',
    'is late from @Sam (peer)',
    ':clipboard: *Debrief P-1 · Ada Okafor*',
    'The debrief of *P-1 · Ada Okafor*',
    ':tada: Hire',
    'Nudges:',
  ];
  for (const moment of moments) expect(text, `transcript should show: ${moment}`).toContain(moment);
  // Feedback text never reaches the channel.
  const channelPosts = text.split('\n\n[').filter((chunk) => chunk.includes('#hiring-backend\n'));
  expect(channelPosts.join('\n')).not.toContain('Limited people-management examples');
}

describe('npm run demo', () => {
  it('plays a whole panel on PostgreSQL', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const summary = await runDemo({
      databaseUrl: database.url,
      redisUrl: TEST_REDIS_URL,
      print: () => undefined,
    });
    expect(summary).toMatchObject({ slots: 3, feedback: 4 });
    expect(summary.nudgesSent).toBeGreaterThan(10);
    expect(summary.nudgesCancelled).toBeGreaterThan(0);
    checkTranscript(summary.transcript);
  }, 120_000);

  it('plays the same panel on the embedded PGlite database', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'panelist-demo-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const summary = await runDemo({ pgliteDir: dir, redisUrl: TEST_REDIS_URL, print: () => undefined });
    expect(summary).toMatchObject({ slots: 3, feedback: 4 });
    checkTranscript(summary.transcript);
  }, 180_000);
});
