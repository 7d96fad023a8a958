// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
module.exports = {
  apps: [
    {
      name: "chat-api",
      script: "dist/server.js",
      instances: "max",
      env_production: {
        NODE_ENV: "production",
        JWT_SECRET: "R7Tjdlnm7zvkWsZUvvKcceN3w0fWcD2T4h3C9gWPlPAkalA3",
        REDIS_PASSWORD: "xD!^A3z91w6Y_7mIYSl9AK",
        GROQ_API_KEY: "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",
      },
    },
  ],
};
