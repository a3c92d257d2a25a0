import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('on-call configuration', () => {
  it('asks the public PagerDuty and Opsgenie APIs by default, within 5 seconds', () => {
    expect(loadConfig({}).onCall).toEqual({ pagerDutyApiUrl: 'https://api.pagerduty.com', opsgenieApiUrl: 'https://api.opsgenie.com', timeoutMs: 5000 });
  });

  it('takes other URLs (Opsgenie EU, a local fake) and a time limit', () => {
    const config = loadConfig({ PAGERDUTY_API_URL: 'http://127.0.0.1:9000', OPSGENIE_API_URL: 'https://api.eu.opsgenie.com', VIGIL_ONCALL_TIMEOUT_MS: '1500' });
    expect(config.onCall).toEqual({ pagerDutyApiUrl: 'http://127.0.0.1:9000', opsgenieApiUrl: 'https://api.eu.opsgenie.com', timeoutMs: 1500 });
  });

  it('names a URL that is not http(s) and a time limit out of range', () => {
    let caught: unknown;
    try {
      loadConfig({ PAGERDUTY_API_URL: 'ftp://pagerduty', OPSGENIE_API_URL: 'api.opsgenie.com', VIGIL_ONCALL_TIMEOUT_MS: '10' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual([
      'PAGERDUTY_API_URL',
      'OPSGENIE_API_URL',
      'VIGIL_ONCALL_TIMEOUT_MS',
    ]);
  });
});
