/** STOPSIGNAL validation with moby/sys/signal's rules: a number, or a Linux signal name with or without SIG. */

const NAMES = [
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
];
const EXTRA: Record<string, number> = { IOT: 6, POLL: 29, CLD: 17, UNUSED: 31 };
const SIGRTMIN = 34;
const SIGRTMAX = 64;

const SIGNALS = new Map<string, number>();
NAMES.forEach((n, i) => SIGNALS.set(n, i + 1));
for (const [n, v] of Object.entries(EXTRA)) SIGNALS.set(n, v);
SIGNALS.set('RTMIN', SIGRTMIN);
SIGNALS.set('RTMAX', SIGRTMAX);
for (let i = 1; i <= 15; i++) {
  SIGNALS.set(`RTMIN+${i}`, SIGRTMIN + i);
  SIGNALS.set(`RTMAX-${i}`, SIGRTMAX - i);
}

/** The signal number; throws `invalid signal: …`. */
export function parseSignal(raw: string): number {
  if (/^[+-]?\d+$/.test(raw)) {
    const n = Number.parseInt(raw, 10);
    if (n <= 0 || n > SIGRTMAX) throw new Error(`invalid signal: ${raw}`);
    return n;
  }
  const n = SIGNALS.get(raw.toUpperCase().replace(/^SIG/, ''));
  if (n === undefined) throw new Error(`invalid signal: ${raw}`);
  return n;
}
