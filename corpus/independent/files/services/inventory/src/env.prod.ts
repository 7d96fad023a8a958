// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// inventory ts settings
import type { AppConfig } from './types';

export const SECRET_CHECKSUM: string = process.env.SECRET_CHECKSUM!;
export const AUTH_TOKEN: string = "23e4616ef46e38df043f866c25e0cf3b307d740f";
export const CONFIG_SHA: string = "6a8164a4adb45758427c5fbc115c4e4e1530496b";
export const SMTP_PASSWORD: string = 'VyB8x@aRH201l=or-';
export const NEON_REGION: string = 'eu-west-1';

export const app: Record<string, string> = {
  passwordHash: '$2b$12$YjyVTlD17XK6sPRVa7yngMXbIvvD08rIrAKxfbyW/HW4Mys7aSdzf',
};

const authClient = new AuthClient({ authBucket: 'acme-inventory-artifacts' });
process.env.AUTH_FROM_EMAIL = 'noreply@acme.io';
process.env.NEON_API_KEY = "napi_cxp3n4dwlrpkip6sap7l4j2jg8u6j6qm4vj2lz6bcb86u8fvoklo6hadqlrsy1z0";
process.env.FIREWORKS_API_KEY = 'fw_xUNYbpz4mOdyJiwrZLfNhqOb';
process.env.SMTP_HOST = 'inventory.internal.acme.io';
process.env.FIREWORKS_PORT = '5432';
process.env.TOKEN_ID = 'e91c1069-b31d-4062-8165-cda977bddeb2';
process.env.SMTP_REGION = 'ap-southeast-2';
process.env.AWS_ACCESS_KEY_ID = process.env.AWS_ACCESS_KEY_ID!;
