/**
 * Owns the firewall: detects the backend on first need (a missing tool is a clear error then,
 * not at daemon start), serialises every change, keeps the current model, and remembers on disk
 * whether Berth's rules may be installed so an idle agent start need not spawn a tool to check.
 */
import fs from 'node:fs';
import type { Logger } from '../../daemon/logger';
import { runTool, type Runner } from './exec';
import { detectFirewall, type FirewallPreference } from './detect';
import { IptablesBackend } from './iptables';
import { NftablesBackend, type ElementWriter } from './nftables';
import type { FirewallBackend, FwModel, FwNetwork, FwPort } from './types';
import { portKey } from './types';

export interface FirewallOptions {
  /** nft table name and iptables chain prefix. */
  prefix: string;
  prefer: FirewallPreference;
  toolDirs?: string[] | undefined;
  run?: Runner | undefined;
  /** File whose existence says "rules may be installed". */
  markerFile: string;
  log: Logger;
  /** Fast nftables map updates over netlink (undefined: use the nft tool). */
  elementWriter?: ((table: string) => ElementWriter | undefined) | undefined;
}

export class Firewall {
  private backend: FirewallBackend | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private networks: FwNetwork[] = [];
  private ports = new Map<string, FwPort>();

  constructor(private readonly opts: FirewallOptions) {}

  /** The backend, detected once; throws FailedPrecondition when no tool is installed. */
  ensureBackend(): FirewallBackend {
    if (this.backend) return this.backend;
    const found = detectFirewall(this.opts.prefer, this.opts.toolDirs);
    const run = this.opts.run ?? runTool;
    this.backend =
      found.kind === 'nftables'
        ? new NftablesBackend(this.opts.prefix, run, found.nft, this.opts.elementWriter?.(this.opts.prefix))
        : new IptablesBackend(found.kind, this.opts.prefix, { save: found.save!, restore: found.restore! }, run);
    this.opts.log.info('network: firewall backend', { backend: found.kind, prefix: this.opts.prefix });
    return this.backend;
  }

  get kind(): string | undefined {
    return this.backend?.kind;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private model(): FwModel {
    return { networks: this.networks, ports: [...this.ports.values()] };
  }

  private mark(on: boolean): void {
    if (on) fs.writeFileSync(this.opts.markerFile, `${this.backend?.kind ?? ''}\n`);
    else fs.rmSync(this.opts.markerFile, { force: true });
  }

  get maybeInstalled(): boolean {
    return fs.existsSync(this.opts.markerFile);
  }

  /** Install the whole model (start-up repair, a network realized or removed). No networks → remove all. */
  sync(networks: FwNetwork[], ports: FwPort[]): Promise<void> {
    return this.serial(async () => {
      const backend = this.ensureBackend();
      this.networks = networks;
      this.ports = new Map(ports.map((p) => [portKey(p), p]));
      if (networks.length === 0) {
        await backend.clear();
        this.mark(false);
        return;
      }
      this.mark(true);
      await backend.apply(this.model());
    });
  }

  /** Add and remove published ports (container start/stop). */
  updatePorts(added: FwPort[], removed: FwPort[]): Promise<void> {
    return this.serial(async () => {
      const backend = this.ensureBackend();
      for (const p of removed) this.ports.delete(portKey(p));
      for (const p of added) this.ports.set(portKey(p), p);
      await backend.updatePorts(this.model(), added, removed);
    });
  }

  /** Remove everything (idle shutdown, or leftovers at start). */
  clear(): Promise<void> {
    return this.serial(async () => {
      this.networks = [];
      this.ports.clear();
      await this.ensureBackend().clear();
      this.mark(false);
    });
  }

  list(): Promise<string> {
    return this.serial(() => this.ensureBackend().list());
  }

  close(): void {
    this.backend?.close();
  }
}
