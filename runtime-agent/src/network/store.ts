/**
 * Persistence: one JSON file per network and one per container (sandbox), written atomically
 * (temp file + rename) under <data-root>/network. The IPAM state is not stored separately: the
 * sandbox records own the addresses, so the pools are rebuilt from them at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NetworkRecord, SandboxRecord } from './types';

function writeAtomic(file: string, data: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 1), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readAll<T>(dir: string, check: (v: unknown) => v is T): T[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    if (!n.endsWith('.json')) {
      if (n.includes('.tmp-')) fs.rmSync(p, { force: true });
      continue;
    }
    try {
      const v: unknown = JSON.parse(fs.readFileSync(p, 'utf8'));
      if (check(v)) out.push(v);
    } catch {
      /* a torn or foreign file: ignored */
    }
  }
  return out;
}

const isNetwork = (v: unknown): v is NetworkRecord =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as NetworkRecord).id === 'string' &&
  typeof (v as NetworkRecord).name === 'string';
const isSandbox = (v: unknown): v is SandboxRecord =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as SandboxRecord).containerId === 'string' &&
  Array.isArray((v as SandboxRecord).endpoints);

export class NetworkStore {
  private readonly networksDir: string;
  private readonly sandboxesDir: string;

  constructor(readonly dir: string) {
    this.networksDir = path.join(dir, 'networks');
    this.sandboxesDir = path.join(dir, 'sandboxes');
    fs.mkdirSync(this.networksDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.sandboxesDir, { recursive: true, mode: 0o700 });
  }

  loadNetworks(): NetworkRecord[] {
    return readAll(this.networksDir, isNetwork);
  }

  saveNetwork(n: NetworkRecord): void {
    writeAtomic(path.join(this.networksDir, `${n.id}.json`), n);
  }

  deleteNetwork(id: string): void {
    fs.rmSync(path.join(this.networksDir, `${id}.json`), { force: true });
  }

  loadSandboxes(): SandboxRecord[] {
    return readAll(this.sandboxesDir, isSandbox);
  }

  saveSandbox(s: SandboxRecord): void {
    writeAtomic(path.join(this.sandboxesDir, `${s.containerId}.json`), s);
  }

  deleteSandbox(containerId: string): void {
    fs.rmSync(path.join(this.sandboxesDir, `${containerId}.json`), { force: true });
  }
}
