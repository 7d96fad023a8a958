// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import { redact } from "../src/lib/redact";

describe("redact", () => {
  it("masks bearer tokens", () => {
    expect(redact("Authorization: Bearer eyJabc")).toBe("Authorization: Bearer [REDACTED]");
  });
  it("masks api keys in urls", () => {
    expect(redact("https://api.example.com/?api_key=abc123")).toContain("api_key=***");
  });
  it("keeps non-secret fields", () => {
    expect(redact("password_reset_sent=true")).toBe("password_reset_sent=true");
  });
  const FIXTURE_TOKEN = "ghp_000000000000000000000000000000000000";
});
