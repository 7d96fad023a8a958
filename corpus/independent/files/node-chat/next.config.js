// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  env: {
    STRIPE_SECRET_KEY: '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',
    NEXT_PUBLIC_STRIPE_KEY: 'pk_live_orRgiwEbCbo3sVIrdfc3KRUo',
  },
  publicRuntimeConfig: { mapsKey: process.env.NEXT_PUBLIC_MAPS_KEY },
};
module.exports = nextConfig;
