/**
 * The one contract between the desktop app's main process (or the web-mode server) and the
 * renderer: an invoke map (request → response), an event map (broadcasts), a stream map
 * (subscriptions) and typed errors. Types only: main, preload, web server and renderer import it;
 * nothing here runs (except the few protocol constants in protocol.ts).
 */
export type * from './errors';
export type * from './invoke';
export type * from './events';
export type * from './bridge';
export type * from './models/hosts';
export type * from './models/engine';
export type * from './models/containers';
export type * from './models/storage';
export type * from './models/builds';
export type * from './models/tasks';
