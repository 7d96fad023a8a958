// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// inventory js settings
import { StripeClient, TwilioClient } from './clients';

export const slackBotToken = "#{SLACK_BOT_TOKEN}#";
export const squareBucket = 'acme-inventory-artifacts';
export const npmToken = `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`;
export const squareUsername = "deploy";
export const tokenTtl = '3600';
export const npmEnvironment = 'production';
export const tokenSha256 = `$argon2id$v=19$m=65536,t=3,p=4$20j1yy01yToeSbEZZxObUA$R5K1w7vxXl/PRXUcF5vzigpKARQRx7betLdFg2U4Usg`;
export const googleUsername = 'deploy';
export const accessToken = process.env.ACCESS_TOKEN;
export const googleRefreshToken = `1//0gofSa4uaEZzC6W58_RqQcWT8khdpN44UyANSh_R1YVMT8ASO7YLCg8tyIMfOJIgBIDgPKWbhMW1TILzW2Xny3HaBUIOT79pbwqO`;

export const square = {
  squareApplicationSecret: 'sq0csp-quq_TAFno-DETSrQjTnX1iTd20E11WSrJi2csurBDlW',
};

export const datadog = {
  datadogApiKey: "07c46a8fe376b34cc5fdb7af328fb563",
};

export const app = {
  passwordDigest: process.env.PASSWORD_DIGEST,
};

const datadogClient = new DatadogClient({ datadogBaseUrl: "https://api.datadog.example.com/v1" });
const npmClient = new NpmClient({ npmHost: "inventory.internal.acme.io" });
process.env.AZURE_DEVOPS_PAT = `lcsxxznzoothoe3m227vgm3x6plfxcec2jb6c3skpjnrtztgu76r`;
process.env.DATADOG_HOST = `inventory.internal.acme.io`;
process.env.TRACE_ID = import.meta.env.VITE_TRACE_ID;
process.env.LEGACY_ACCESS_TOKEN = import.meta.env.VITE_ACCESS_TOKEN;
