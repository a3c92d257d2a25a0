/** `vigil-<kind>-<tenant slug>-<YYYYMMDD-HHmmss>.<extension>`, in UTC, safe in a Content-Disposition header. */
export function exportFilename(kind: string, tenant: string, at: Date, extension: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safeTenant = tenant.replace(/[^A-Za-z0-9_-]/g, '-');
  return `vigil-${kind}-${safeTenant}-${stamp}.${extension}`;
}
