/** Container names: Docker's rules and a generator of adjective_noun names. */
import crypto from 'node:crypto';
import { InvalidArgument } from '../errdefs';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const LEFT = [
  'brave',
  'calm',
  'eager',
  'fair',
  'gentle',
  'happy',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'proud',
  'quiet',
  'swift',
  'tidy',
  'witty',
  'zen',
];
const RIGHT = [
  'anchor',
  'beacon',
  'buoy',
  'cove',
  'dock',
  'harbor',
  'jetty',
  'keel',
  'mast',
  'pier',
  'quay',
  'reef',
  'sail',
  'tide',
  'wharf',
  'yawl',
];

export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n))
    throw new InvalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return n;
}

export function generateName(taken: (n: string) => boolean): string {
  for (let i = 0; ; i++) {
    const a = LEFT[crypto.randomInt(LEFT.length)]!;
    const b = RIGHT[crypto.randomInt(RIGHT.length)]!;
    const n = i < 10 ? `${a}_${b}` : `${a}_${b}${crypto.randomInt(1000)}`;
    if (!taken(n)) return n;
  }
}
