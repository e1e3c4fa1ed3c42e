// A region's menu: its status (Operational, Degraded Performance, Down — Down asks first, since
// every launch there is then refused) and "Launch a VM here…".

import { type KnownRegionStatus, REGION_STATUSES } from '../../../shared/faults';
import type { Region } from '../../../shared/types';
import { useRuntime } from '../hooks';
import { launchStore } from '../state/launch-form';
import { regionConfirmation, regionStatusNotice } from '../state/ops-wording';
import { ActionMenu, type MenuItem } from './action-menu';

const WORD: Record<KnownRegionStatus, string> = {
  Operational: 'operational',
  'Degraded Performance': 'degraded',
  Down: 'down',
};

export function RegionMenu({ region }: { region: Region }) {
  const { client, ops } = useRuntime();
  const items: MenuItem[] = [
    {
      id: 'region-launch',
      label: 'Launch a VM here…',
      onSelect: () => launchStore.getState().open(region.code),
    },
    ...REGION_STATUSES.map(
      (status, i): MenuItem => ({
        id: `region-${WORD[status]}`,
        label: status,
        checked: region.status === status,
        danger: status === 'Down',
        separated: i === 0,
        disabled: region.status === status,
        onSelect: () =>
          void ops.perform(
            regionConfirmation(region, status),
            () => client.api.setRegionStatus(region.code, WORD[status]),
            (r) => regionStatusNotice(r.code, r.status),
          ),
      }),
    ),
  ];
  return (
    <ActionMenu
      label={`Actions for region ${region.code}`}
      testId="region-menu"
      items={items}
      heading={`${region.code} · ${region.location}`}
    />
  );
}
