// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// Loaded by jest and by the dev server when .env is missing.
process.env.DATADOG_API_KEY = "f052225e69ebdaa9b149fd8e4af039d8";
process.env["HF_TOKEN"] = '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';
process.env.OPENROUTER_API_KEY ??= "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";
process.env.REDIS_PASSWORD = process.env.REDIS_PASSWORD ?? "";
export const apiBase = process.env.API_BASE_URL ?? "http://localhost:3000";
