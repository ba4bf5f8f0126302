import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Container, ContainerRuntime } from './runtime';

// Which processes are alive is scripted: the test decides when "the shim exits".
const alive = vi.hoisted(() => ({ fn: (_pid: number): boolean => true }));
vi.mock('./proc', () => ({ isSameProcess: (pid: number) => alive.fn(pid) }));

const { checkExit } = await import('./exit');

const SHIM = 100;
const PID1 = 101;

describe('checkExit', () => {
  let dir: string;
  let exitFile: string;
  let finished: number[];
  let rt: ContainerRuntime;
  let c: Container;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-exit-'));
    exitFile = path.join(dir, 'exit');
    fs.writeFileSync(exitFile, '');
    finished = [];
    rt = {
      ioDir: () => dir,
      finishExit: async (_c: Container, code: number) => void finished.push(code),
    } as unknown as ContainerRuntime;
    c = {
      rec: { id: 'c1', state: { status: 'running', shimPid: SHIM, shimStart: 1, pid: PID1, pidStart: 1 } },
    } as unknown as Container;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('waits while the shim lives and the status is not written yet', async () => {
    alive.fn = (pid) => pid === SHIM;
    await checkExit(rt, c);
    expect(finished).toEqual([]);
  });

  it('takes the status the shim wrote', async () => {
    fs.writeFileSync(exitFile, '7\n');
    alive.fn = () => false;
    await checkExit(rt, c);
    expect(finished).toEqual([7]);
  });

  it('keeps the real status when the shim writes it and exits during the check (not 255)', async () => {
    // The shim writes its status and exits at the moment the agent looks at the processes.
    alive.fn = (pid) => {
      if (pid === SHIM) fs.writeFileSync(exitFile, '7\n');
      return false;
    };
    await checkExit(rt, c);
    expect(finished).toEqual([7]);
  });

  it('says 255 when shim and PID 1 are gone with no status written', async () => {
    alive.fn = () => false;
    await checkExit(rt, c);
    expect(finished).toEqual([255]);
  });
});
