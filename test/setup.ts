// Shared mocha set-up: nothing yet beyond loading through tsx (see .mocharc.js).
