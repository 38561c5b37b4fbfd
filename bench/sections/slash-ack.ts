/**
 * Slash-command acks: Panelist versus a bare Bolt app that only acks, on the same signed
 * requests. Throughput from a closed loop, ack latency from an open loop at a steady rate.
 * Each phase is split into slices run bare, Panelist, Panelist, bare (…), so background load
 * on the machine hits both apps alike. Goals: throughput ≥ 0.7× bare; p99 ≤ 1.5× bare and < 50 ms.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { BenchContext, BenchSection } from '../context.js';
import { machineCpu, ownCpuSeconds } from '../cpu.js';
import {
  abbaOrder,
  type ClosedLoopResult,
  closedLoop,
  type LoadStats,
  mergeClosedLoop,
  mergeOpenLoop,
  type OpenLoopResult,
  openLoop,
  percentile,
} from '../http-load.js';
import { fmt, type GoalCheck, type JsonValue, round, type SectionResult, type Table } from '../report.js';
import { signedEventsRequest, slashCommandBody } from '../slack-bodies.js';

const THROUGHPUT_RATIO_GOAL = 0.7;
const P99_RATIO_GOAL = 1.5;
const P99_ABSOLUTE_GOAL_MS = 50;
const DRAIN_TIMEOUT_MS = 20_000;

interface RequestType {
  label: string;
  text: string;
  /** The Web API method Panelist calls after acking, once per request. */
  followUpCall?: string;
}

const REQUEST_TYPES: RequestType[] = [
  { label: '/panel help', text: 'help' },
  { label: '/panel new', text: 'new', followUpCall: 'views.open' },
];

type AppKey = 'bare' | 'panelist';
const APP_NAMES: Record<AppKey, string> = { bare: 'bare', panelist: 'Panelist' };

/** Resource use during one slice. */
interface SliceUsage {
  wallMs: number;
  /** CPU seconds used by the app under load. */
  appCpuS: number;
  /** CPU seconds used by everything else on the machine: the idle app, Postgres, Redis, other users. */
  otherCpuS: number;
  elu: EventLoopUtilization;
  /** How long Panelist's follow-up Web API calls took to finish after the slice. */
  drainMs: number | undefined;
}

interface PhaseDiagnostics {
  /** CPU used by the app under load, % of one core. */
  appCpuPercent: number;
  /** CPU used by other processes on the machine, % of one core: high values mean noisy numbers. */
  otherCpuPercent: number;
  /** Event-loop utilisation of the bench process (load generator + Slack double), %. */
  generatorElPercent: number;
  /** Longest wait, after a slice, for Panelist's follow-up Web API calls. */
  followUpDrainMs: number | undefined;
}

interface AppMeasurement {
  throughput: ClosedLoopResult;
  throughputDiagnostics: PhaseDiagnostics;
  latency: OpenLoopResult;
  latencyDiagnostics: PhaseDiagnostics;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (up to DRAIN_TIMEOUT_MS) until the double has seen `expected` calls to `method`. */
async function waitForCalls(
  context: BenchContext,
  method: string,
  expected: number,
): Promise<{ waitedMs: number; seen: number; complete: boolean }> {
  const started = performance.now();
  for (;;) {
    const seen = context.double.callsTo(method).length;
    const waitedMs = performance.now() - started;
    if (seen >= expected) return { waitedMs, seen, complete: true };
    if (waitedMs > DRAIN_TIMEOUT_MS) return { waitedMs, seen, complete: false };
    await sleep(20);
  }
}

function describeFailures(what: string, stats: LoadStats): string {
  return (
    `${what}: ${stats.errors} of ${stats.sent} requests failed ` +
    `(statuses ${JSON.stringify(stats.statuses)}; e.g. ${stats.errorSamples.join('; ')})`
  );
}

/**
 * Runs one slice of load against `appKey`, then waits for Panelist's follow-up Web API calls and
 * lets the machine settle. Failed requests and missing follow-up calls are added to `errors`.
 */
async function runSlice<T extends LoadStats>(
  context: BenchContext,
  appKey: AppKey,
  type: RequestType,
  what: string,
  errors: string[],
  load: (port: number) => Promise<T>,
): Promise<{ result: T; usage: SliceUsage }> {
  const app = context[appKey];
  const idleApp = context[appKey === 'bare' ? 'panelist' : 'bare'];
  // Only this slice's calls are counted; the double would otherwise keep every call ever made.
  context.double.calls.length = 0;
  const before = {
    wall: performance.now(),
    app: app.cpuSeconds(),
    idle: idleApp.cpuSeconds(),
    own: ownCpuSeconds(),
    machine: machineCpu(),
    elu: performance.eventLoopUtilization(),
  };
  const result = await load(app.port);
  const wallMs = performance.now() - before.wall;
  const appCpu = app.cpuSeconds();
  const idleCpu = idleApp.cpuSeconds();
  const machine = machineCpu();
  const elu = performance.eventLoopUtilization(before.elu);
  const own = ownCpuSeconds();

  let drainMs: number | undefined;
  if (type.followUpCall !== undefined && appKey === 'panelist') {
    const drain = await waitForCalls(context, type.followUpCall, result.ok);
    drainMs = drain.waitedMs;
    if (!drain.complete) {
      errors.push(
        `${what}: ${result.ok} acks but only ${drain.seen} ${type.followUpCall} calls within ${DRAIN_TIMEOUT_MS} ms`,
      );
    }
  }
  context.double.calls.length = 0;
  if (result.errors > 0) errors.push(describeFailures(what, result));
  await sleep(context.settings.settleMs);

  const delta = (after: number | undefined, start: number | undefined) =>
    after === undefined || start === undefined ? Number.NaN : after - start;
  const appCpuS = delta(appCpu, before.app);
  const otherCpuS =
    delta(machine?.busySeconds, before.machine?.busySeconds) -
    appCpuS -
    delta(idleCpu, before.idle) -
    (own - before.own);
  return { result, usage: { wallMs, appCpuS, otherCpuS, elu, drainMs } };
}

function summarizeUsage(usages: readonly SliceUsage[]): PhaseDiagnostics {
  const wallS = usages.reduce((sum, u) => sum + u.wallMs, 0) / 1000;
  const active = usages.reduce((sum, u) => sum + u.elu.active, 0);
  const idle = usages.reduce((sum, u) => sum + u.elu.idle, 0);
  const drains = usages.flatMap((u) => (u.drainMs === undefined ? [] : [u.drainMs]));
  return {
    appCpuPercent: (usages.reduce((sum, u) => sum + u.appCpuS, 0) / wallS) * 100,
    otherCpuPercent: Math.max(0, (usages.reduce((sum, u) => sum + u.otherCpuS, 0) / wallS) * 100),
    generatorElPercent: active + idle > 0 ? (active / (active + idle)) * 100 : Number.NaN,
    followUpDrainMs: drains.length === 0 ? undefined : Math.max(...drains),
  };
}

/** Warm-up, then interleaved throughput slices, then interleaved latency slices, for one request type. */
async function measureType(
  context: BenchContext,
  type: RequestType,
  errors: string[],
): Promise<Record<AppKey, AppMeasurement>> {
  const { settings } = context;
  const apps: AppKey[] = ['bare', 'panelist'];
  const order = abbaOrder<AppKey>('bare', 'panelist', settings.rounds);
  const sliceMs = settings.durationMs / settings.rounds;
  // One body per phase, signed when the phase starts (signatures stay valid for five minutes).
  const signed = () =>
    signedEventsRequest(
      context.signingSecret,
      slashCommandBody(type.text, {
        teamId: context.teamId,
        userId: 'UBENCH1',
        responseBaseUrl: context.double.baseUrl,
      }),
    );

  context.progress(`${type.label}: warm-up, ${settings.warmupMs} ms per app`);
  const warmupRequest = signed();
  for (const appKey of apps) {
    await runSlice(context, appKey, type, `${type.label} warm-up on ${APP_NAMES[appKey]}`, errors, (port) =>
      closedLoop({
        port,
        request: warmupRequest,
        concurrency: settings.concurrency,
        warmupMs: settings.warmupMs,
        durationMs: 0,
      }),
    );
  }

  context.progress(
    `${type.label}: throughput, ${settings.concurrency} connections, slices ${order.join(' ')}`,
  );
  const throughputRequest = signed();
  const throughput: Record<AppKey, { result: ClosedLoopResult; usage: SliceUsage }[]> = {
    bare: [],
    panelist: [],
  };
  for (const appKey of order) {
    throughput[appKey].push(
      await runSlice(
        context,
        appKey,
        type,
        `${type.label} throughput on ${APP_NAMES[appKey]}`,
        errors,
        (port) =>
          closedLoop({
            port,
            request: throughputRequest,
            concurrency: settings.concurrency,
            warmupMs: settings.sliceWarmupMs,
            durationMs: sliceMs,
          }),
      ),
    );
  }

  context.progress(`${type.label}: latency at ${settings.latencyRate} req/s, slices ${order.join(' ')}`);
  const latencyRequest = signed();
  const latency: Record<AppKey, { result: OpenLoopResult; usage: SliceUsage }[]> = { bare: [], panelist: [] };
  for (const appKey of order) {
    latency[appKey].push(
      await runSlice(context, appKey, type, `${type.label} latency on ${APP_NAMES[appKey]}`, errors, (port) =>
        openLoop({
          port,
          request: latencyRequest,
          ratePerSecond: settings.latencyRate,
          warmupMs: settings.sliceWarmupMs,
          durationMs: sliceMs,
        }),
      ),
    );
  }

  const measurement = (appKey: AppKey): AppMeasurement => ({
    throughput: mergeClosedLoop(throughput[appKey].map((s) => s.result)),
    throughputDiagnostics: summarizeUsage(throughput[appKey].map((s) => s.usage)),
    latency: mergeOpenLoop(latency[appKey].map((s) => s.result)),
    latencyDiagnostics: summarizeUsage(latency[appKey].map((s) => s.usage)),
  });
  return { bare: measurement('bare'), panelist: measurement('panelist') };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const times = (value: number) => `${fmt(value, 2)}×`;
const failed = (m: AppMeasurement) => m.throughput.errors + m.latency.errors > 0;

function goalsFor(type: RequestType, bare: AppMeasurement, panelist: AppMeasurement): GoalCheck[] {
  const names = {
    throughput: `${type.label}: throughput ≥ ${THROUGHPUT_RATIO_GOAL}× bare`,
    p99Ratio: `${type.label}: p99 ≤ ${P99_RATIO_GOAL}× bare`,
    p99Absolute: `${type.label}: p99 < ${P99_ABSOLUTE_GOAL_MS} ms`,
  };
  if (failed(bare) || failed(panelist)) {
    const actual = 'not measured: requests failed';
    return Object.values(names).map((goal) => ({ goal, actual, met: false }));
  }
  const throughputRatio = ratio(panelist.throughput.requestsPerSecond, bare.throughput.requestsPerSecond);
  const bareP99 = percentile(bare.latency.latenciesMs, 99);
  const panelistP99 = percentile(panelist.latency.latenciesMs, 99);
  const p99Ratio = ratio(panelistP99, bareP99);
  return [
    {
      goal: names.throughput,
      actual: `${times(throughputRatio)} (${fmt(panelist.throughput.requestsPerSecond, 0)} vs ${fmt(bare.throughput.requestsPerSecond, 0)} req/s)`,
      met: throughputRatio >= THROUGHPUT_RATIO_GOAL,
    },
    {
      goal: names.p99Ratio,
      actual: `${times(p99Ratio)} (${fmt(panelistP99, 2)} vs ${fmt(bareP99, 2)} ms)`,
      met: p99Ratio <= P99_RATIO_GOAL,
    },
    {
      goal: names.p99Absolute,
      actual: `${fmt(panelistP99, 2)} ms`,
      met: panelistP99 < P99_ABSOLUTE_GOAL_MS,
    },
  ];
}

function diagnosticsJson(d: PhaseDiagnostics): JsonValue {
  return {
    appCpuPercent: round(d.appCpuPercent, 1),
    otherCpuPercent: round(d.otherCpuPercent, 1),
    generatorElPercent: round(d.generatorElPercent, 1),
    followUpDrainMs: d.followUpDrainMs === undefined ? null : round(d.followUpDrainMs, 0),
  };
}

function appJson(m: AppMeasurement): JsonValue {
  const lat = m.latency.latenciesMs;
  return {
    throughput: {
      requestsPerSecond: round(m.throughput.requestsPerSecond, 1),
      measured: m.throughput.measured,
      sent: m.throughput.sent,
      errors: m.throughput.errors,
      p50Ms: round(percentile(m.throughput.latenciesMs, 50)),
      p99Ms: round(percentile(m.throughput.latenciesMs, 99)),
      diagnostics: diagnosticsJson(m.throughputDiagnostics),
    },
    latency: {
      targetRate: m.latency.targetRate,
      sentRate: round(m.latency.sentRate, 1),
      measured: m.latency.measured,
      sent: m.latency.sent,
      errors: m.latency.errors,
      p50Ms: round(percentile(lat, 50)),
      p90Ms: round(percentile(lat, 90)),
      p99Ms: round(percentile(lat, 99)),
      maxMs: round(lat.at(-1) ?? Number.NaN),
      scheduleLagP99Ms: round(percentile(m.latency.scheduleLagsMs, 99)),
      scheduleLagMaxMs: round(m.latency.scheduleLagsMs.at(-1) ?? Number.NaN),
      diagnostics: diagnosticsJson(m.latencyDiagnostics),
    },
  };
}

export const slashAckSection: BenchSection = {
  id: 'slashAck',
  title: 'Slash-command acks: Panelist vs bare Bolt (POST /slack/events)',
  async run(context: BenchContext): Promise<SectionResult> {
    const { settings } = context;
    const errors: string[] = [];
    const results: { type: RequestType; bare: AppMeasurement; panelist: AppMeasurement }[] = [];
    for (const type of REQUEST_TYPES) {
      results.push({ type, ...(await measureType(context, type, errors)) });
    }

    const seconds = fmt(settings.durationMs / 1000, 1);
    const main: Table = {
      title:
        `Throughput: closed loop, ${settings.concurrency} keep-alive connections, ${seconds} s per app. ` +
        `Latency: open loop at ${settings.latencyRate} req/s, ${seconds} s per app, until the response is complete.`,
      headers: ['request', 'app', 'req/s', 'vs bare', 'p50 ms', 'p99 ms', 'max ms', 'p99 vs bare', 'errors'],
      rows: [],
      numeric: [2, 3, 4, 5, 6, 7, 8],
    };
    const diagnostics: Table = {
      title:
        'Diagnostics: CPU in % of one core (app = the app under load; other = every other process, ' +
        'e.g. the idle app, Postgres, other users); EL = bench process event-loop use',
      headers: [
        'request',
        'app',
        'phase',
        'app CPU',
        'other CPU',
        'bench EL',
        'sched lag p99 ms',
        'sent req/s',
        'views.open catch-up ms',
      ],
      rows: [],
      numeric: [3, 4, 5, 6, 7, 8],
    };
    const goals: GoalCheck[] = [];
    const data: { [key: string]: JsonValue } = {};
    let maxOtherCpu = 0;

    for (const { type, bare, panelist } of results) {
      const bareP99 = percentile(bare.latency.latenciesMs, 99);
      for (const [appKey, m] of [
        ['bare', bare],
        ['panelist', panelist],
      ] as const) {
        const lat = m.latency.latenciesMs;
        const isPanelist = appKey === 'panelist';
        main.rows.push([
          type.label,
          APP_NAMES[appKey],
          fmt(m.throughput.requestsPerSecond, 0),
          isPanelist ? times(ratio(m.throughput.requestsPerSecond, bare.throughput.requestsPerSecond)) : '',
          fmt(percentile(lat, 50), 2),
          fmt(percentile(lat, 99), 2),
          fmt(lat.at(-1) ?? Number.NaN, 2),
          isPanelist ? times(ratio(percentile(lat, 99), bareP99)) : '',
          String(m.throughput.errors + m.latency.errors),
        ]);
        const row = (phase: string, d: PhaseDiagnostics, lag: string, sent: string) => {
          maxOtherCpu = Math.max(maxOtherCpu, d.otherCpuPercent);
          return [
            type.label,
            APP_NAMES[appKey],
            phase,
            fmt(d.appCpuPercent, 0),
            fmt(d.otherCpuPercent, 0),
            fmt(d.generatorElPercent, 0),
            lag,
            sent,
            d.followUpDrainMs === undefined ? '' : fmt(d.followUpDrainMs, 0),
          ];
        };
        diagnostics.rows.push(
          row('throughput', m.throughputDiagnostics, '', ''),
          row(
            'latency',
            m.latencyDiagnostics,
            fmt(percentile(m.latency.scheduleLagsMs, 99), 2),
            fmt(m.latency.sentRate, 0),
          ),
        );
      }
      goals.push(...goalsFor(type, bare, panelist));
      data[type.label] = { bare: appJson(bare), panelist: appJson(panelist) };
    }

    const notes = [
      `Slices ran ${abbaOrder('bare', 'Panelist', settings.rounds).join(', ')} for each phase, so drifting background load hits both apps alike.`,
      'Both apps run in child processes of their own; the load generator and the Slack double share the bench process.',
      'Panelist acks /panel new before calling views.open, so its ack latency excludes the Web API call, but the ' +
        'call’s CPU cost shares the event loop; the bare app makes no call. Catch-up = wait for the last views.open after a slice.',
    ];
    if (maxOtherCpu > 25) {
      notes.push(
        `Other processes used up to ${fmt(maxOtherCpu, 0)}% of a core during a phase: numbers are noisier than on a quiet machine.`,
      );
    }

    return {
      id: this.id,
      title: this.title,
      tables: [main, diagnostics],
      goals,
      errors,
      notes,
      data: {
        settings: {
          durationMs: settings.durationMs,
          warmupMs: settings.warmupMs,
          rounds: settings.rounds,
          sliceWarmupMs: settings.sliceWarmupMs,
          concurrency: settings.concurrency,
          latencyRate: settings.latencyRate,
          settleMs: settings.settleMs,
        },
        goals: {
          throughputRatioMin: THROUGHPUT_RATIO_GOAL,
          p99RatioMax: P99_RATIO_GOAL,
          p99MaxMs: P99_ABSOLUTE_GOAL_MS,
        },
        results: data,
        goalChecks: goals.map((g) => ({ goal: g.goal, actual: g.actual, met: g.met })),
      },
    };
  },
};
