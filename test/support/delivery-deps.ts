/** What the delivery worker and alert evaluator need, for tests that drive them on the test clock (loopback receivers allowed). */
import { createLogger } from '../../server/logger.js';
import { createOutboundPolicy } from '../../server/outbound/outbound-policy.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import type { DeliveryDeps } from '../../server/webhooks/delivery-worker.js';
import { TEST_SECRET_KEY, type TestVigil } from './test-vigil.js';

export const testDeliveryDeps = (t: TestVigil): DeliveryDeps => ({
  db: t.vigil.database.db,
  clock: t.clock,
  logger: createLogger('silent'),
  secretBox: secretBoxFromKey(Buffer.from(TEST_SECRET_KEY, 'base64')),
  outbound: createOutboundPolicy(['loopback']),
  timeoutMs: 5000,
});
