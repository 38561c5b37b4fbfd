/**
 * A bare Bolt app whose `/panel` handler only acks: the baseline Panelist is measured against.
 * Run as a child process by bench/run.ts (`node --import tsx bench/serve-bare.ts`); reads
 * SLACK_SIGNING_SECRET and SLACK_API_URL, listens on an ephemeral port and prints `READY <port>`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';

const signingSecret = process.env.SLACK_SIGNING_SECRET;
const slackApiUrl = process.env.SLACK_API_URL;
if (signingSecret === undefined || slackApiUrl === undefined) {
  console.error('serve-bare needs SLACK_SIGNING_SECRET and SLACK_API_URL');
  process.exit(1);
}

const app = new App({
  token: 'xoxb-bench',
  signingSecret,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl },
});
app.command('/panel', async ({ ack }) => {
  await ack();
});

const server = (await app.start(0)) as Server;
const { port } = server.address() as AddressInfo;
process.stdout.write(`READY ${port}\n`);

process.once('SIGTERM', () => {
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('serve-bare failed to stop:', error);
      process.exit(1);
    },
  );
});
