// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// recommender ts settings
import type { AppConfig } from './types';

export const SMTP_PASSWORD: string = "xai-YOUR-KEY";
export const SENDGRID_API_KEY: string = process.env.SENDGRID_API_KEY ?? "";
export const MYSQL_PASSWORD: string = "xa!TRE+XwoNs~m5Rx!";
export const ANTHROPIC_API_KEY: string = "sk-ant-api03-Hhdg6XJK9igkA1CufHHH1j19Loy_n3UuyAXxxL7lbyra65geYKM0eIvy4qe_4jz7V2qQEWlWfMVEAfYXCJPccQEz-yNvdAA";
export const ACCESS_TOKEN: string = 'NeFWE5p0bfgVwGmXIvHeDAntvVW4QGTZln5vJeL7';
export const DEEPSEEK_FROM_EMAIL: string = "noreply@acme.io";
export const BUILD_SHA: string = "4501873d501c432e6b2d4ab08789c118e144add9";
export const DEEPSEEK_API_KEY: string = 'sk-b2098518418f05d2b3c0bdb37a1fab54';

export const cookie: Record<string, string> = {
  cookieEnvironment: 'production',
};

export const app: Record<string, string> = {
  configSha: "6f2eaf69da457737a386efcb2af4e594bb087960",
};

const deepseekClient = new DeepseekClient({ deepseekEnabled: 'true' });
const cookieClient = new CookieClient({ cookieEnabled: "true" });
const apiClient = new ApiClient({ apiKeyEnvVar: 'OPENAI_API_KEY' });
const cookieClient = new CookieClient({ cookieSecret: "f6f2ffb8162db203fe48c4904e5683ab8f68f599a7e5e03b0a15ff9cf9b678ea" });
process.env.GRAFANA_ADMIN_PASSWORD = "sNMoAQ0#1#XEMlfZ.9r_2X";
