/**
 * CPU accounting for diagnostics: how busy the whole machine was, and how much of that was not
 * the processes under test, so a report can say when other load made its numbers noisy.
 */
import { readFileSync } from 'node:fs';

export interface MachineCpu {
  /** Busy seconds summed over all cores (user, nice, system, irq, softirq, steal). */
  busySeconds: number;
  /** Steal seconds (time a virtual machine waited for its host). */
  stealSeconds: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Reads /proc/stat; undefined where there is none (not Linux). */
export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [label, ...rest] = line.trim().split(/\s+/);
    if (label !== 'cpu') return undefined;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = rest.map(Number);
    return {
      busySeconds: (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND,
      stealSeconds: steal / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) process `pid` has used so far; undefined off Linux. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) this process has used. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
