// Phase timings for performance work: DBE_TIMING=1 prints them to stderr.
const on = !!process.env.DBE_TIMING;
const totals = new Map<string, number>();
const origin = performance.timeOrigin;

export function timed<T>(phase: string, fn: () => T): T {
  if (!on) return fn();
  const t = performance.now();
  try { return fn(); } finally { totals.set(phase, (totals.get(phase) ?? 0) + performance.now() - t); }
}

export function mark(phase: string, ms: number): void {
  if (on) totals.set(phase, (totals.get(phase) ?? 0) + ms);
}

export function timingReport(label: string): string {
  if (!on) return '';
  const parts = [...totals].map(([k, v]) => `${k}=${v.toFixed(1)}ms`);
  return `dbe timing [${label}] since-process-start=${(Date.now() - origin).toFixed(0)}ms ${parts.join(' ')}\n`;
}
export const timingOn = on;
