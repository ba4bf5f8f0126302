/**
 * What the network module needs to know about containers, supplied by the containers module:
 * resolve a name or ID (for /networks/{id}/connect), and list every existing container with its
 * namespace when running (for restore at agent start: re-adopt running ones, release the
 * addresses of removed ones).
 */
import type { NetnsRef } from './netlink/netns';

export interface ContainerRef {
  /** Full 64-hex ID. */
  id: string;
  /** Name without the leading slash. */
  name: string;
  running: boolean;
  /** The container's network namespace while it runs (the init's pid). */
  netns?: NetnsRef | undefined;
}

export interface ContainerSource {
  /** By full ID, unique ID prefix or name; undefined when there is no such container. */
  find(idOrName: string): ContainerRef | undefined;
  /** Every container that exists (running or not). */
  list(): ContainerRef[];
}

/** Until the containers module is wired: there are no containers. */
export const noContainers: ContainerSource = {
  find: () => undefined,
  list: () => [],
};
