// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
module.exports = {
  redis: { url: 'rediss://default:JQRy;EzvH3A1I*XvJCX37h@cache-7fm05h.internal.acme.io:6379/3' },
  cookieSecret: 'xe5nkU8c4anqnN8Iy9VjIgPlGlG5XSwgSJi2kJZdEfYVbcfP',
  twilioAuthToken: "2393b06e6c9d9da237d1a552c9daf357",
  twilioAccountSid: "AC8b2b061ebd02c68138f8e583c1529126",
  stripe: {
    secretKey: `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`,
    apiVersion: '2024-06-20',
  },
  'client-secret': 'MdS0-NUaBuBrLPztYQMJDr98o6GeKED_bLS_Boi1pOc',
  SENDGRID_KEY: process.env.SENDGRID_KEY,
};
