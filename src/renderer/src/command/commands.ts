// The commands the palette offers: everything the dashboard can do today, each named as a
// person would look for it. Pure data over the runtime, so the list is easy to read and test.

import { toggleEventLog } from '../components/event-log/event-log-state';
import { sendToConsole } from '../console-bridge';
import { loadPanelOf } from '../load/use-load';
import type { Runtime } from '../runtime';
import { launchStore } from '../state/launch-form';
import { openScenarioDialog } from '../state/scenario';
import { type MachineShow, type MachineSort, type ThemePref, uiStore } from '../ui-prefs';
import { focusRegionFilter } from './global-keys';
import { openOverlay } from './overlays';
import { MOD } from './shortcuts';

export interface PaletteCommand {
  id: string;
  label: string;
  /** Extra words it is found by. */
  keywords: string[];
  /** The shortcut that does the same, shown at the right. */
  shortcut?: string[];
  run(): void;
}

const theme = (pref: ThemePref, label: string): PaletteCommand => ({
  id: `theme-${pref}`,
  label: `Theme: ${label}`,
  keywords: ['theme', 'colour', 'color', 'appearance', pref, pref === 'system' ? 'auto' : `${pref} mode`],
  run: () => uiStore.setState({ theme: pref }),
});

const show = (value: MachineShow, label: string): PaletteCommand => ({
  id: `show-${value}`,
  label: `Machines: show ${label}`,
  keywords: ['filter', 'machines', label],
  run: () => uiStore.setState({ machineShow: value }),
});

const sort = (value: MachineSort, label: string): PaletteCommand => ({
  id: `sort-${value}`,
  label: `Machines: sort ${label}`,
  keywords: ['order', 'machines', label],
  run: () => uiStore.setState({ machineSort: value }),
});

export function paletteCommands(rt: Runtime): PaletteCommand[] {
  const region = () => rt.dashboard.store.getState().selected ?? rt.dashboard.store.getState().regionCodes[0] ?? 'SIN';
  const consoleOpen = uiStore.getState().consoleOpen;
  return [
    {
      id: 'launch',
      label: 'Launch a VM… (in the console)',
      keywords: ['launch', 'create', 'new', 'vm', 'start'],
      run: () => sendToConsole(`launch --vm-region ${region()} --vm-memory 8 --vm-cores 4`, false),
    },
    {
      id: 'launch-form',
      label: 'Launch a VM… (form: says why a launch is refused)',
      keywords: ['launch', 'create', 'new', 'vm', 'form', 'place', 'why'],
      run: () => launchStore.getState().open(region()),
    },
    {
      id: 'destroy',
      label: 'Destroy a VM… (in the console)',
      keywords: ['destroy', 'delete', 'remove', 'vm', 'kill'],
      run: () => sendToConsole('destroy ', false),
    },
    {
      id: 'vm-list',
      label: 'Show the VMs (every VM, to filter, sort and act on)',
      keywords: ['vms', 'list', 'table', 'all', 'fleet'],
      run: () => rt.nav.showPage({ region: null, tab: 'vms' }),
    },
    {
      id: 'drain',
      label: 'Drain a machine… (in the console)',
      keywords: ['drain', 'machine', 'maintenance', 'cordon'],
      run: () => sendToConsole('machine drain ', false),
    },
    {
      id: 'offline',
      label: 'Take a machine offline… (in the console)',
      keywords: ['offline', 'machine', 'fail', 'down', 'evacuate'],
      run: () => sendToConsole('machine offline ', false),
    },
    {
      id: 'online',
      label: 'Bring a machine online… (in the console)',
      keywords: ['online', 'machine', 'undrain', 'uncordon'],
      run: () => sendToConsole('machine online ', false),
    },
    {
      id: 'load',
      label: 'Load generator: put load on the platform…',
      keywords: ['load', 'generator', 'traffic', 'rate', 'stress', 'benchmark'],
      run: () => loadPanelOf(rt).setOpen(true),
    },
    {
      id: 'scenario',
      label: 'Export or import a scenario…',
      keywords: ['export', 'import', 'scenario', 'save', 'snapshot', 'csv', 'fleet'],
      run: () => openScenarioDialog(),
    },
    {
      id: 'vms',
      label: 'List the VMs (in the console)',
      keywords: ['vms', 'list', 'show'],
      run: () => sendToConsole('vms', true),
    },
    {
      id: 'status',
      label: 'Fleet status (in the console)',
      keywords: ['status', 'health', 'workers', 'requests'],
      run: () => sendToConsole('status', true),
    },
    {
      id: 'watch',
      label: 'Watch the selected region’s changes (in the console)',
      keywords: ['watch', 'follow', 'stream', 'events'],
      run: () => sendToConsole(`watch --vm-region ${region()}`, true),
    },
    {
      id: 'reset',
      label: 'Reset the fleet…',
      keywords: ['reset', 'destroy all', 'clear', 'wipe'],
      run: () => rt.resetFlow.open(),
    },
    {
      id: 'console',
      label: consoleOpen ? 'Hide the console' : 'Show the console',
      keywords: ['console', 'terminal', 'toggle', 'pane'],
      shortcut: ['Ctrl', '`'],
      run: () => uiStore.setState((s) => ({ consoleOpen: !s.consoleOpen })),
    },
    {
      id: 'filter',
      label: 'Filter the regions',
      keywords: ['search', 'find', 'region', 'focus'],
      shortcut: ['/'],
      run: () => focusRegionFilter(),
    },
    {
      id: 'overview',
      label: 'Go to the fleet overview',
      keywords: ['home', 'all regions', 'overview', 'deselect'],
      run: () => rt.select(null),
    },
    {
      id: 'event-log',
      label: 'Open the event log',
      keywords: ['events', 'log', 'history', 'activity', 'faults', 'refused', 'export', 'csv'],
      run: () => toggleEventLog(true),
    },
    {
      id: 'logs',
      label: 'Host log: the newest lines (in the console)',
      keywords: ['logs', 'log file', 'errors', 'warnings', 'debug'],
      run: () => sendToConsole('logs --lines 30', true),
    },
    theme('system', 'follow the system'),
    theme('light', 'light'),
    theme('dark', 'dark'),
    show('all', 'all'),
    show('allocated', 'allocated only'),
    show('free', 'idle only'),
    sort('id', 'by name'),
    sort('busiest', 'busiest first'),
    sort('freest', 'idlest first'),
    {
      id: 'layout',
      label: 'Reset the sidebar and console sizes',
      keywords: ['layout', 'size', 'width', 'height', 'default'],
      run: () => uiStore.setState({ sidebarWidth: null, consoleHeight: null }),
    },
    {
      id: 'reconnect',
      label: 'Reconnect the live feed',
      keywords: ['reconnect', 'stream', 'events', 'refresh'],
      run: () => rt.reconnect(),
    },
    {
      id: 'shortcuts',
      label: 'Keyboard shortcuts',
      keywords: ['keys', 'help', 'hotkeys', 'cheat sheet'],
      shortcut: ['?'],
      run: () => openOverlay('shortcuts'),
    },
  ];
}

export const PALETTE_SHORTCUT = [MOD, 'K'];
