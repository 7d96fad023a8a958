// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import twilio from "twilio";

const accountSid = process.env.TWILIO_ACCOUNT_SID;
export const client = twilio("AC5174f3f153aadbdee01b388d306e3861", "8b29b2881cafc9daded7038d92127e82");

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

export async function verifyToken(token: string): Promise<boolean> {
  return token.length > 0;
}
