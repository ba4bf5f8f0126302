/** HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--start-interval=…] [--retries=N] CMD … | NONE */
import { parseGoDuration } from './duration';
import { InstructionFlags } from './flags';
import type { HealthConfig } from './types';

const MIN_DURATION = 1e6; // 1ms, in ns

function interval(flags: InstructionFlags, name: string): number | undefined {
  const v = flags.getString(name);
  if (v === undefined || v === '') return undefined;
  const d = parseGoDuration(v);
  if (d === 0) return undefined;
  if (d < MIN_DURATION) throw new Error(`Interval "${name}" cannot be less than 1ms`);
  return d;
}

export function parseHealthcheck(args: string[], json: boolean, rawFlags: string[]): HealthConfig {
  if (args.length === 0) throw new Error('HEALTHCHECK requires at least one argument');
  const flags = new InstructionFlags(rawFlags)
    .string('interval')
    .string('timeout')
    .string('start-period')
    .string('start-interval')
    .string('retries')
    .parse();
  const type = (args[0] as string).toUpperCase();
  const rest = args.slice(1);
  if (type === 'NONE') {
    if (rest.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments');
    return { test: ['NONE'] };
  }
  if (type !== 'CMD') throw new Error(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const cmd = json ? rest : rest.length > 0 ? [rest.join(' ')] : [];
  if (cmd.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
  const health: HealthConfig = { test: [json ? 'CMD' : 'CMD-SHELL', ...cmd] };
  const i = interval(flags, 'interval');
  if (i !== undefined) health.interval = i;
  const t = interval(flags, 'timeout');
  if (t !== undefined) health.timeout = t;
  const sp = interval(flags, 'start-period');
  if (sp !== undefined) health.startPeriod = sp;
  const si = interval(flags, 'start-interval');
  if (si !== undefined) health.startInterval = si;
  const retries = flags.getString('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries)) throw new Error(`invalid value for --retries: ${retries}`);
    const n = Number.parseInt(retries, 10);
    if (n < 0) throw new Error(`--retries cannot be negative (${n})`);
    if (n > 2147483647) throw new Error(`invalid value for --retries: ${retries}`);
    health.retries = n;
  }
  return health;
}
