// The package's own tests, run through tsx like its bin. The hub's root .mocharc.js
// runs these too, in the same mocha run as the hub's tests.
module.exports = {
  require: ['tsx/cjs'],
  spec: process.env.TEST_SPEC ? process.env.TEST_SPEC.split(',') : ['test/**/*.test.ts'],
  timeout: 30000,
  exit: true,
};
