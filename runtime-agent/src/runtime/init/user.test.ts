import { describe, expect, it } from 'vitest';
import { resolveUser } from './user';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nberth:x:1000:1000::/home/berth:/bin/sh\nweird:x:abc:1::/:/bin/sh\n';
const group = 'root:x:0:\ntty:x:5:\nstaff:x:50:berth\nberth:x:1000:\nother:x:60:someone,berth\n';

describe('user resolution (runc rules)', () => {
  it('resolves names, numbers and groups', () => {
    expect(resolveUser('', passwd, group)).toEqual({ uid: 0, gid: 0, groups: [], home: '/root' });
    expect(resolveUser('berth', passwd, group)).toEqual({
      uid: 1000,
      gid: 1000,
      groups: [50, 60],
      home: '/home/berth',
    });
    expect(resolveUser('1000', passwd, group).groups).toEqual([50, 60]);
    // An explicit group: no supplementary groups from /etc/group.
    expect(resolveUser('1000:1000', passwd, group)).toEqual({ uid: 1000, gid: 1000, groups: [], home: '/home/berth' });
    expect(resolveUser('berth:staff', passwd, group).gid).toBe(50);
    // Unknown numeric ids are fine (gid 0, home /).
    expect(resolveUser('4242', passwd, group)).toEqual({ uid: 4242, gid: 0, groups: [], home: '/' });
    expect(resolveUser('4242:4343', undefined, undefined)).toEqual({ uid: 4242, gid: 4343, groups: [], home: '/' });
    expect(resolveUser('berth', passwd, group, ['tty', '99']).groups).toEqual([50, 60, 5, 99]);
  });

  it('fails clearly for unknown names', () => {
    expect(() => resolveUser('nobody2', passwd, group)).toThrow(
      'unable to find user nobody2: no matching entries in passwd file',
    );
    expect(() => resolveUser('berth:nogroup', passwd, group)).toThrow('unable to find group nogroup');
    expect(() => resolveUser('root', undefined, undefined)).toThrow(/unable to find user root/);
  });
});
