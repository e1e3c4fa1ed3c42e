// Every keyboard shortcut of the dashboard, in one list: the `?` sheet shows it and the
// palette's commands quote it, so what is documented is what is bound.

export interface Shortcut {
  /** Key combinations, each a list of key caps; alternatives are separate entries. */
  keys: string[][];
  does: string;
}

export interface ShortcutGroup {
  title: string;
  items: Shortcut[];
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD = isMac ? '⌘' : 'Ctrl';

export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Anywhere',
    items: [
      {
        keys: [
          [MOD, 'K'],
          ['Ctrl', 'Shift', 'P'],
        ],
        does: 'Command palette: regions, machines, VMs, commands',
      },
      { keys: [['?']], does: 'This sheet of shortcuts' },
      { keys: [['/']], does: 'Filter the regions' },
      { keys: [['Ctrl', '`']], does: 'Show or hide the console' },
      { keys: [['Esc']], does: 'Close the palette, this sheet, a menu or a dialog' },
    ],
  },
  {
    title: 'Region list',
    items: [
      { keys: [['↑'], ['↓']], does: 'Move between regions' },
      { keys: [['PgUp'], ['PgDn']], does: 'Move ten regions' },
      { keys: [['Home'], ['End']], does: 'First or last region' },
      { keys: [['Enter']], does: 'Open the region' },
      { keys: [['Esc']], does: 'Clear the filter' },
    ],
  },
  {
    title: 'Command palette',
    items: [
      { keys: [['↑'], ['↓']], does: 'Move' },
      { keys: [['Enter']], does: 'Go there or run it' },
    ],
  },
  {
    title: 'Console',
    items: [
      { keys: [['Tab']], does: 'Complete a command, flag or region' },
      { keys: [['↑'], ['↓']], does: 'Earlier commands' },
      { keys: [['Ctrl', 'C']], does: 'Stop the running command (watch)' },
      { keys: [['Ctrl', 'L']], does: 'Clear the screen' },
      { keys: [['Ctrl', 'K']], does: 'Delete to the end of the line, as in a shell (the palette: Ctrl+Shift+P)' },
    ],
  },
  {
    title: 'Splitters',
    items: [{ keys: [['←'], ['→'], ['↑'], ['↓']], does: 'Resize the focused sidebar or console edge' }],
  },
];
