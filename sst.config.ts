/// <reference path="./.sst/platform/config.d.ts" />

// Infra arrives with the infrastructure issue: this file will only import infra/* and return outputs.
export default $config({
  app(input) {
    return {
      name: 'stevedore',
      home: 'aws',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
    };
  },
  async run() {
    return {};
  },
});
