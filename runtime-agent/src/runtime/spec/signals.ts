/** Signal names and numbers (Linux), as Docker accepts them: "TERM", "SIGTERM", "15". */
import { InvalidArgument } from '../../errdefs';

export const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
};

export function parseSignal(s: string | number): number {
  if (typeof s === 'number' || /^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw new InvalidArgument(`invalid signal: ${s}`);
    return n;
  }
  let name = s.trim().toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  const rt = /^RTMIN(\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[2] ?? 0);
  const n = SIGNALS[name];
  if (n === undefined) throw new InvalidArgument(`invalid signal: ${s}`);
  return n;
}

export function signalName(n: number): string {
  const e = Object.entries(SIGNALS).find(([, v]) => v === n);
  return e ? `SIG${e[0]}` : String(n);
}
