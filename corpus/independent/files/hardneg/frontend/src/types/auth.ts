// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
export interface LoginForm {
  password: string;
  passwordConfirmation?: string;
  apiKey: ApiKey | null;
  accessToken: string;
  refreshToken?: string;
  clientSecret: Secret<string>;
  secretKey: Uint8Array;
  token: TokenPayload;
  onPasswordChange: (password: string) => void;
  credentials: Credentials;
}

export type TokenPayload = { sub: string; exp: number };
