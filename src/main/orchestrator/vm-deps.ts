// What the launch and destroy paths work with, handed to them by the Infrastructure.

import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { Logger } from '../common/log';
import type { InOrder } from './in-order';
import type { Registry } from './registry';
import type { Unsettled } from './unsettled';

export interface VmDeps {
  store: Remote<StoreService>;
  /** This host's machines and their actors. */
  registry: Registry;
  /** Writes the store left unknown, finished on later ticks. */
  unsettled: Unsettled;
  inOrder: InOrder;
  log: Logger;
}
