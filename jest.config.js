/** Specs run on the TypeScript sources; integration specs start their own beanstalkd. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Sources import with ".js" extensions (for the ESM build); map them back for ts-jest.
  // Examples import the package by name, as a user would; it maps to the sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^rx-beanstalk$': '<rootDir>/src/index.ts' },
  testTimeout: 30000,
  maxWorkers: 2,
};
