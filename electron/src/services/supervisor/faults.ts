/**
 * Why a start failed, from what the engine (or sudo/pkexec) wrote to its log and how it exited:
 * one fault code, one sentence, and what the user can do about it.
 */
import type { EngineFaultCode } from '../../contract/models/engine';
import type { ProbeResult } from './probe';

export interface Fault {
  code: EngineFaultCode;
  reason: string;
  hint: string;
}

export interface FaultContext {
  socketPath: string;
  dataRoot: string;
  method: string;
}

export function classifyFailure(
  log: string,
  exit: { code: number | null; signal: string | null } | undefined,
  c: FaultContext,
): Fault {
  if (/incorrect password|Sorry, try again/i.test(log))
    return {
      code: 'WrongPassword',
      reason: 'sudo did not accept the password',
      hint: 'Enter your own login password (sudo asks for the password of the user running Berth).',
    };
  if (/not in the sudoers|is not allowed to run sudo|may not run sudo/i.test(log))
    return {
      code: 'NoPrivilege',
      reason: 'this user may not use sudo',
      hint: "Ask an administrator to install Berth's system service (the .deb does), or to start berthd for you.",
    };
  if (
    /no authentication agent|Not authorized|Request dismissed|Error executing command as another user/i.test(log) ||
    (c.method === 'pkexec' && (exit?.code === 126 || exit?.code === 127))
  )
    return {
      code: exit?.code === 126 ? 'PasswordCancelled' : 'NoPrivilege',
      reason: exit?.code === 126 ? 'the password dialog was dismissed' : 'pkexec could not get permission',
      hint: 'Start again and enter your password, or choose sudo in Settings → Engine.',
    };
  if (/EROFS|read-only file system/i.test(log))
    return {
      code: 'ReadOnlyDataRoot',
      reason: `the data root ${c.dataRoot} is on a read-only file system`,
      hint: 'Choose a data root on a writable disk in Settings → Engine, or remount the disk read-write.',
    };
  const locked = /another berthd(?: \(pid (\d+)\))? is already running with data root/.exec(log);
  if (locked)
    return {
      code: 'DataRootLocked',
      reason: `another berthd${locked[1] ? ` (pid ${locked[1]})` : ''} already uses the data root ${c.dataRoot} on a different socket`,
      hint: 'Stop that berthd, or set its socket in Settings → Engine so Berth uses it.',
    };
  if (/is in use by another process|EADDRINUSE/.test(log))
    return {
      code: 'SocketInUse',
      reason: `another process listens on ${c.socketPath}`,
      hint: 'Stop that process or choose another socket in Settings → Engine.',
    };
  if (/exists and is not a socket/.test(log))
    return {
      code: 'SocketInUse',
      reason: `${c.socketPath} exists and is not a socket`,
      hint: 'Remove that file or choose another socket in Settings → Engine.',
    };
  if (/group ".*" not found/.test(log))
    return {
      code: 'GroupSetup',
      reason: "the socket's group does not exist",
      hint: 'Create it (groupadd --system berth) or reinstall Berth.',
    };
  if (/needs to run as root/.test(log))
    return {
      code: 'NoPrivilege',
      reason: 'berthd was started without root',
      hint: 'Start it through Berth (it asks for your password) or install the system service.',
    };
  if (/ENOSPC|no space left/i.test(log))
    return {
      code: 'Unknown',
      reason: 'the disk of the data root is full',
      hint: `Free space under ${c.dataRoot} and start again.`,
    };
  if (/ENOENT.*(node|berthd)|not found|No such file/i.test(log) && exit?.code === 127)
    return {
      code: 'BinaryMissing',
      reason: 'the engine program was not found',
      hint: 'Reinstall Berth, or run `npm run build` in a development checkout.',
    };
  const how = exit ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : 'stopped';
  return { code: 'Exited', reason: `berthd ${how} before it answered`, hint: 'See the engine log lines below.' };
}

export const faultFor = {
  notSocket: (p: string): Fault => ({
    code: 'SocketInUse',
    reason: `${p} exists and is not a socket`,
    hint: 'Remove that file or choose another socket in Settings → Engine.',
  }),
  silent: (p: string): Fault => ({
    code: 'SocketInUse',
    reason: `something that is not a container engine listens on ${p}`,
    hint: 'Stop that program or choose another socket in Settings → Engine.',
  }),
  otherEngine: (p: string, name: string, version: string): Fault => ({
    code: 'SocketNotBerth',
    reason: `${name}${version ? ` ${version}` : ''} already serves ${p}`,
    hint: 'Berth can use that engine as a host (Hosts → Add, local socket). To run berthd as well, choose another socket in Settings → Engine.',
  }),
  denied: (p: string, message: string): Fault => ({
    code: 'NoPrivilege',
    reason: message,
    hint: `Join the socket's group (sudo usermod -aG berth $USER, then log in again), or change its socket in Settings → Engine. (${p})`,
  }),
  noPrivilege: (): Fault => ({
    code: 'NoPrivilege',
    reason: 'starting the engine needs root, and neither pkexec nor sudo is installed',
    hint: "Install Berth's .deb (it runs berthd as a system service), install sudo or polkit, or run Berth as root.",
  }),
  timeout: (p: string, ms: number): Fault => ({
    code: 'StartTimeout',
    reason: `berthd did not answer on ${p} within ${Math.round(ms / 1000)} s`,
    hint: 'See the engine log lines below; start again when the cause is fixed.',
  }),
  unsupported: (platform: string): Fault => ({
    code: 'Unsupported',
    reason: `the local engine runs on Linux; this is ${platform}`,
    hint: 'Add a WSL2 distribution or a Linux machine over SSH as a host.',
  }),
  binaryMissing: (p: string): Fault => ({
    code: 'BinaryMissing',
    reason: `the bundled engine is missing (${p})`,
    hint: 'Reinstall Berth, or run `npm run build` in a development checkout.',
  }),
  cancelled: (): Fault => ({
    code: 'PasswordCancelled',
    reason: 'no password was given',
    hint: 'Start again and enter your password.',
  }),
};

/** What a probe of the engine's socket found when it is not berthd and not free: why Berth cannot start there. */
export function faultForProbe(r: ProbeResult | undefined, p: string): Fault | undefined {
  switch (r?.kind) {
    case 'not-socket':
      return faultFor.notSocket(p);
    case 'silent':
      return faultFor.silent(p);
    case 'not-engine':
      return { ...faultFor.silent(p), reason: `${faultFor.silent(p).reason} (${r.detail})` };
    case 'engine':
      return faultFor.otherEngine(p, r.name, r.version);
    case 'denied':
      return faultFor.denied(p, r.message);
    default:
      return undefined;
  }
}
