/** IPv4 address and CIDR checks for the network form. */
export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isCidr(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  return rest.length === 0 && !!ip && isIpv4(ip) && bits !== undefined && /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
}
