/**
 * Docker's default device allow-list for the v1 devices controller: mknod of any node is allowed
 * ("m"), but reading and writing only the usual character devices (so a block-device node made
 * with CAP_MKNOD cannot be opened).
 */
export const DEFAULT_DEVICE_RULES = [
  'c *:* m',
  'b *:* m',
  'c 1:3 rwm', // null
  'c 1:5 rwm', // zero
  'c 1:7 rwm', // full
  'c 1:8 rwm', // random
  'c 1:9 rwm', // urandom
  'c 5:0 rwm', // tty
  'c 5:1 rwm', // console
  'c 5:2 rwm', // ptmx
  'c 136:* rwm', // pts
  'c 10:200 rwm', // net/tun
];
