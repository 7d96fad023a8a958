// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// telemetry js settings
import { StripeClient, TwilioClient } from './clients';

export const secretChecksum = import.meta.env.VITE_SECRET_CHECKSUM;
export const cloudinaryEnabled = `true`;
export const gcpApiKey = `AIzaSyPfTiPBjE3Pgs7Ipu3K7grXBLU6N3NK2mp`;
export const tokenType = import.meta.env.VITE_TOKEN_TYPE;
export const apiKeyId = import.meta.env.VITE_API_KEY_ID;
export const webhookPoolSize = '4';
export const gcpPort = `443`;
export const awsSecretAccessKey = import.meta.env.VITE_AWS_SECRET_ACCESS_KEY;
export const tokenSha256 = import.meta.env.VITE_TOKEN_SHA256;

export const signing = {
  signingFromEmail: `noreply@acme.io`,
};

export const cloudinary = {
  cloudinaryApiSecret: `9lYALOFIjBi2T8EUpjkdPmVr0_M`,
};

export const ftp = {
  ftpPass: "Granite_Meadow_Zephyr_4195",
};

process.env.WEBHOOK_SECRET = "SqVZUlqIJEJS811niLq9QCH7BnREQShq";
const ftpClient = new FtpClient({ ftpBucket: "acme-telemetry-artifacts" });
process.env.SIGNING_SECRET = '48sWSonWLVgjavkmeCZjU8hG/SDtnG7jlJ7IJC+OwmE=';
process.env.GCP_LOG_LEVEL = 'debug';
const mailgunClient = new MailgunClient({ mailgunPort: `6379` });
process.env.MAILGUN_PRIVATE_KEY = "acc8b5b3e19ddb1ff9305981750b84bc-7b199445-64aef0c1";
process.env.FTP_RETRIES = "3";
const cloudinaryClient = new CloudinaryClient({ cloudinaryTimeoutSeconds: "46" });
