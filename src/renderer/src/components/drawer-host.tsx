// The drawer the address names (#/vms/ID, #/machines/ID), if any, and the one confirm dialog
// the drawers and the VM list ask through.

import { useStore } from 'zustand';
import { useRuntime } from '../hooks';
import { ConfirmDialog } from './confirm-dialog';
import { MachineDrawer } from './machine-drawer';
import { VmDrawer } from './vm-drawer';

export function DrawerHost() {
  const { nav } = useRuntime();
  const drawer = useStore(nav.store, (s) => s.drawer);
  return (
    <>
      {drawer?.kind === 'vm' && <VmDrawer key={drawer.id} id={drawer.id} />}
      {drawer?.kind === 'machine' && <MachineDrawer key={drawer.id} id={drawer.id} />}
      <ConfirmDialog />
    </>
  );
}
