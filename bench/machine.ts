/**
 * A calibration of the machine the bench runs on: how long one round trip between two processes
 * over loopback TCP takes, and the CPU it costs. Panelist's work is mostly such round trips
 * (Slack, Postgres, Redis, one process to another), so this figure, beside the bare Bolt app's
 * rate, says how far figures from different machines can be compared: on a virtual machine whose
 * idle cores halt, waking the process on the other core can cost several times the work itself.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LoopbackFigures {
  roundTrips: number;
  /** Mean wall time of one round trip, in microseconds. */
  roundTripUs: number;
  /** CPU (user + system) this process spent per round trip, in microseconds. */
  clientCpuUs: number;
}

const PAYLOAD = 'x'.repeat(200);

/** Runs `roundTrips` sequential 200-byte echoes against an echo server in a child process. */
export async function measureLoopback(roundTrips = 5_000): Promise<LoopbackFigures> {
  const child = fork(fileURLToPath(import.meta.url), ['--echo-server'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const [port] = (await once(child, 'message')) as [number];
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await once(socket, 'connect');
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await new Promise<void>((resolve) => {
      let left = roundTrips;
      socket.on('data', () => {
        left -= 1;
        if (left === 0) resolve();
        else socket.write(PAYLOAD);
      });
      socket.write(PAYLOAD);
    });
    const used = process.cpuUsage(cpu);
    const wallUs = Number(process.hrtime.bigint() - started) / 1_000;
    socket.destroy();
    return {
      roundTrips,
      roundTripUs: wallUs / roundTrips,
      clientCpuUs: (used.user + used.system) / roundTrips,
    };
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--echo-server')) {
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
  });
  process.on('disconnect', () => process.exit(0));
}
