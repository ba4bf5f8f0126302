/**
 * The X-Docker-Container-Path-Stat header of HEAD/GET /containers/{id}/archive: base64 JSON
 * {name, size, mode (Go os.FileMode bits), mtime, linkTarget}.
 */
import fs from 'node:fs';
import path from 'node:path';

const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  pipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

export function goFileMode(st: fs.Stats): number {
  let m = st.mode & 0o777;
  if (st.mode & 0o4000) m += GO_MODE.setuid;
  if (st.mode & 0o2000) m += GO_MODE.setgid;
  if (st.mode & 0o1000) m += GO_MODE.sticky;
  if (st.isDirectory()) m += GO_MODE.dir;
  else if (st.isSymbolicLink()) m += GO_MODE.symlink;
  else if (st.isFIFO()) m += GO_MODE.pipe;
  else if (st.isSocket()) m += GO_MODE.socket;
  else if (st.isCharacterDevice()) m += GO_MODE.device + GO_MODE.charDevice;
  else if (st.isBlockDevice()) m += GO_MODE.device;
  return m;
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export function pathStat(hostPath: string, containerPathValue: string): PathStat {
  const st = fs.lstatSync(hostPath);
  return {
    name: path.posix.basename(containerPathValue) || '/',
    size: st.size,
    mode: goFileMode(st),
    mtime: st.mtime.toISOString(),
    linkTarget: st.isSymbolicLink() ? fs.readlinkSync(hostPath) : '',
  };
}

export function pathStatHeader(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}
