/**
 * The docker-modem every connection hands to dockerode, built by us with the transport pinned.
 *
 * docker-modem's constructor merges defaults read from the environment (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH — read synchronously, so a bad path throws —
 * DOCKER_CLIENT_TIMEOUT, DOCKER_PATH_PREFIX) under the caller's options, and a `host` from the
 * environment beats our `socketPath`. So the modem is built with those variables hidden and
 * every field that matters given explicitly: nothing of the ambient Docker set-up can apply.
 */
import type http from 'node:http';
import Dockerode from 'dockerode';
import Modem from 'docker-modem';

const AMBIENT = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_CLIENT_TIMEOUT',
  'DOCKER_PATH_PREFIX',
] as const;

export type ModemTarget =
  | { socketPath: string }
  /** HTTP over our own agent (SSH channels, stdio-mux): host and port only name the pool. */
  | { agent: http.Agent };

function withoutAmbientDocker<T>(fn: () => T): T {
  const saved: Partial<Record<(typeof AMBIENT)[number], string>> = {};
  for (const k of AMBIENT) {
    if (k in process.env) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

export function pinnedModem(target: ModemTarget): Modem {
  const common = {
    protocol: 'http' as const,
    pathPrefix: '/',
    timeout: 0,
    key: undefined,
    cert: undefined,
    ca: undefined,
    sshOptions: {},
  };
  return withoutAmbientDocker(() => {
    if ('socketPath' in target) {
      return new Modem({ ...common, socketPath: target.socketPath, host: undefined, port: undefined });
    }
    return new Modem({ ...common, host: 'berth-agent.invalid', port: 80, agent: target.agent });
  });
}

/** dockerode on a pinned modem (its types lack the `modem` option, hence the cast). */
export function pinnedDocker(target: ModemTarget): Dockerode {
  const modem = pinnedModem(target);
  return new Dockerode({ modem } as unknown as Dockerode.DockerOptions);
}
