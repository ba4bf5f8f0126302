/**
 * SSH user authentication as an ssh2 authHandler, in OpenSSH's order: "none" first (to learn
 * what the server accepts), then the configured method(s) — a private key file (ed25519, ECDSA,
 * RSA; ssh2 signs RSA with rsa-sha2-512/256 when the server offers them), the ssh-agent
 * (SSH_AUTH_SOCK, an OpenSSH agent pipe or Pageant on Windows), keyboard-interactive and password
 * through the prompter. Secrets pass straight to the server and are never kept; a decrypted key
 * is kept in memory for the connection's reconnects only (as an ssh-agent would).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthenticationType,
  AuthHandlerMiddleware,
  KeyboardInteractiveCallback,
  ParsedKey,
  Prompt,
} from 'ssh2';
import { ConnectionFailure } from '../errors';
import type { ConnectionPrompter, SshAuthConfig } from '../types';

export interface AuthOptions {
  username: string;
  host: string;
  auth: SshAuthConfig;
  prompter: ConnectionPrompter;
  /** Told when a question to the user starts and ends (timeouts pause meanwhile). */
  onPrompt?: (waiting: boolean) => void;
  /** Keys already decrypted for this connection (kept across reconnects). */
  keyCache?: Map<string, ParsedKey>;
}

type Attempt = { needs: AuthenticationType; make: () => Promise<AnyAuthMethod | undefined> };

const MAX_SECRET_TRIES = 3;

/** The default agent: SSH_AUTH_SOCK, else the Windows OpenSSH agent pipe. */
export function defaultAgentSocket(): string | undefined {
  if (process.env.SSH_AUTH_SOCK) return process.env.SSH_AUTH_SOCK;
  if (process.platform === 'win32') return '\\\\.\\pipe\\openssh-ssh-agent';
  return undefined;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export class SshAuthenticator {
  private cancelled = false;
  private readonly tried: string[] = [];
  private readonly problems: string[] = [];
  private attempts: Attempt[] | undefined;
  private passwordTries = 0;
  private fatal: ConnectionFailure | undefined;

  constructor(private readonly opts: AuthOptions) {}

  /** A problem on the way that did not end the attempt (an unreachable agent, a key that cannot sign). */
  note(problem: string): void {
    this.problems.push(problem);
  }

  /** What the failure looked like, for the AuthFailed message. */
  failure(): ConnectionFailure {
    const who = `${this.opts.username}@${this.opts.host}`;
    if (this.fatal) return this.fatal;
    if (this.cancelled) return new ConnectionFailure('Cancelled', `authentication to ${who} was cancelled`);
    const tried = this.tried.length ? this.tried.join(', ') : 'no method the server accepts';
    const extra = this.problems.length ? ` (${this.problems.join('; ')})` : '';
    return new ConnectionFailure(
      'AuthFailed',
      `the server refused every authentication method for ${who}: tried ${tried}${extra}`,
    );
  }

  /** ssh2's authHandler. */
  readonly handler: AuthHandlerMiddleware = (methodsLeft, _partial, nextAuth) => {
    // ssh2 takes `false` for "give up", which its types leave out.
    const next = nextAuth as (auth: AnyAuthMethod | false) => void;
    if (this.attempts === undefined) {
      this.attempts = this.plan();
      next({ type: 'none', username: this.opts.username });
      return;
    }
    void this.pick((methodsLeft as AuthenticationType[] | null) ?? []).then(next, (err: unknown) => {
      if (err instanceof ConnectionFailure) this.fatal = err;
      this.problems.push(String((err as Error)?.message ?? err));
      next(false);
    });
  };

  private async pick(methodsLeft: AuthenticationType[]): Promise<AnyAuthMethod | false> {
    while (this.attempts!.length && !this.cancelled) {
      const a = this.attempts![0]!;
      if (!methodsLeft.includes(a.needs)) {
        this.attempts!.shift();
        continue;
      }
      const auth = await a.make();
      // Password attempts stay at the head of the queue until the tries are used up.
      if (a.needs !== 'password' || auth === undefined || ++this.passwordTries >= MAX_SECRET_TRIES)
        this.attempts!.shift();
      if (auth !== undefined) return auth;
    }
    return false;
  }

  private plan(): Attempt[] {
    const { auth } = this.opts;
    switch (auth.method) {
      case 'key':
        return [this.keyAttempt(auth.privateKeyPath, true)];
      case 'agent':
        return [this.agentAttempt(auth.agentSocket)];
      case 'password':
        return [this.passwordAttempt(), this.keyboardAttempt()];
      case 'keyboard-interactive':
        return [this.keyboardAttempt(), this.passwordAttempt()];
      case 'auto': {
        const dir = path.join(os.homedir(), '.ssh');
        const keys = DEFAULT_KEYS.map((k) => path.join(dir, k)).filter((f) => fs.existsSync(f));
        return [
          ...(defaultAgentSocket() ? [this.agentAttempt(undefined)] : []),
          ...keys.map((k) => this.keyAttempt(k, false)),
          this.keyboardAttempt(),
          this.passwordAttempt(),
        ];
      }
    }
  }

  private async ask(
    kind: 'password' | 'passphrase' | 'keyboard-interactive',
    prompt: string,
  ): Promise<string | undefined> {
    this.opts.onPrompt?.(true);
    try {
      const answer = await this.opts.prompter.secret({ kind, prompt, host: this.opts.host });
      if (answer === undefined) this.cancelled = true;
      return answer;
    } finally {
      this.opts.onPrompt?.(false);
    }
  }

  private keyAttempt(file: string, required: boolean): Attempt {
    return {
      needs: 'publickey',
      make: async () => {
        const key = await this.loadKey(file, required);
        if (!key) return undefined;
        this.tried.push(`key ${path.basename(file)} (${key.type})`);
        return { type: 'publickey', username: this.opts.username, key };
      },
    };
  }

  private async loadKey(file: string, required: boolean): Promise<ParsedKey | undefined> {
    const cached = this.opts.keyCache?.get(file);
    if (cached) return cached;
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (err) {
      const msg = `cannot read the private key ${file}: ${(err as Error).message}`;
      if (required) throw new ConnectionFailure('InvalidConfig', msg);
      this.problems.push(msg);
      return undefined;
    }
    let parsed = ssh2.utils.parseKey(data);
    for (let i = 0; parsed instanceof Error && /passphrase/i.test(parsed.message) && i < MAX_SECRET_TRIES; i++) {
      const pass = await this.ask('passphrase', `Passphrase for ${file}`);
      if (pass === undefined) return undefined;
      parsed = ssh2.utils.parseKey(data, pass);
    }
    if (parsed instanceof Error) {
      this.problems.push(
        /passphrase/i.test(parsed.message)
          ? `wrong passphrase for ${file}`
          : `cannot use the private key ${file}: ${parsed.message}`,
      );
      return undefined;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || !key.isPrivateKey()) {
      this.problems.push(`${file} holds no private key`);
      return undefined;
    }
    this.opts.keyCache?.set(file, key);
    return key;
  }

  private agentAttempt(socket: string | undefined): Attempt {
    return {
      needs: 'publickey',
      make: async () => {
        const agent = socket ?? defaultAgentSocket();
        if (!agent) {
          this.problems.push('no ssh-agent (SSH_AUTH_SOCK is not set)');
          return undefined;
        }
        this.tried.push(agent === 'pageant' ? 'Pageant' : 'ssh-agent');
        return { type: 'agent', username: this.opts.username, agent };
      },
    };
  }

  private passwordAttempt(): Attempt {
    return {
      needs: 'password',
      make: async () => {
        const again = this.passwordTries > 0 ? ' (try again)' : '';
        const password = await this.ask('password', `Password for ${this.opts.username}@${this.opts.host}${again}`);
        if (password === undefined) return undefined;
        if (!this.tried.includes('password')) this.tried.push('password');
        return { type: 'password', username: this.opts.username, password };
      },
    };
  }

  private keyboardAttempt(): Attempt {
    return {
      needs: 'keyboard-interactive',
      make: async () => {
        this.tried.push('keyboard-interactive');
        return {
          type: 'keyboard-interactive',
          username: this.opts.username,
          prompt: (
            _name: string,
            instructions: string,
            _lang: string,
            prompts: Prompt[],
            finish: KeyboardInteractiveCallback,
          ) => {
            void (async () => {
              const answers: string[] = [];
              for (const p of prompts) {
                const text = [instructions, p.prompt].filter(Boolean).join('\n').trim();
                const a = await this.ask('keyboard-interactive', text || `Answer for ${this.opts.host}`);
                if (a === undefined) break;
                answers.push(a);
              }
              finish(answers);
            })();
          },
        };
      },
    };
  }
}
