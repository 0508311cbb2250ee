// Mocha runs the TypeScript sources directly through tsx; the same loader the bin uses.
// One run covers the hub's tests and the devnet package's (packages/devnet has its own
// .mocharc.js for `npm test -w @intertrade/devnet`).
module.exports = {
  require: ['tsx/cjs'],
  spec: process.env.TEST_SPEC ? process.env.TEST_SPEC.split(',') : ['test/**/*.test.ts', 'packages/devnet/test/**/*.test.ts'],
  timeout: 30000,
  exit: true,
};
