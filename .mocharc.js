// Mocha runs the TypeScript sources directly through tsx; the same loader the bin uses.
module.exports = {
  require: ['tsx/cjs'],
  spec: process.env.TEST_SPEC ? process.env.TEST_SPEC.split(',') : ['test/**/*.test.ts'],
  timeout: 30000,
  exit: true,
};
